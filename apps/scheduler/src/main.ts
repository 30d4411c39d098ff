import { exitWithHelpIfAsked, temporalConnectionOptions } from '@enrich/config';
import { createCodecKit } from '@enrich/codec';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { loadSchedulerConfig, schedulerEnvSchema } from './config';
import { applySchedules, declaredSchedules } from './schedules';

/** Applies the declared schedules (create-or-update) and exits: run it at every deploy. */
async function main(): Promise<void> {
  exitWithHelpIfAsked(
    'scheduler',
    'Declares the Temporal Schedules (create-or-update), such as the refresh of stale customers, and exits: run it at every deploy.',
    schedulerEnvSchema,
  );
  const config = loadSchedulerConfig();
  const logger = pino({ level: config.logLevel, base: { service: 'scheduler' } });
  const { temporal } = config;
  const connection = await Connection.connect(temporalConnectionOptions(temporal));
  try {
    const { dataConverter } = createCodecKit(config.codec, { namespace: temporal.namespace });
    const client = new Client({ connection, namespace: temporal.namespace, dataConverter });
    const changes = await applySchedules(client, declaredSchedules(config));
    for (const change of changes) logger.info(change, 'schedule applied');
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `scheduler failed: ${error.message}` : error);
  process.exit(1);
});
