import { createCodecKit } from '@enrich/codec';
import { exitWithHelpIfAsked, temporalConnectionOptions } from '@enrich/config';
import { Client, Connection } from '@temporalio/client';
import { closeServer, createLogger, createMetricsRegistry, keyProviderCallsMetric, startOpsServer, totalsCounter } from '@enrich/http';
import { loadStreamConsumerConfig, streamConsumerEnvSchema } from './config';
import { PaymentStreamConsumer } from './payment-stream';

/** Reads the payment stream until SIGTERM/SIGINT, then drains, commits and leaves the group. */
async function main(): Promise<void> {
  exitWithHelpIfAsked(
    'stream-consumer',
    'Reads payment events from Kafka (a consumer group) and starts one workflow per event, committing offsets only once the starts are acknowledged.',
    streamConsumerEnvSchema,
  );
  const config = loadStreamConsumerConfig();
  const logger = createLogger({ service: 'stream-consumer', level: config.logLevel });
  const { temporal } = config;
  const connection = await Connection.connect(temporalConnectionOptions(temporal));
  const { dataConverter, sealer, keys } = createCodecKit(config.codec, { namespace: temporal.namespace });
  const client = new Client({ connection, namespace: temporal.namespace, dataConverter });
  const consumer = new PaymentStreamConsumer({
    ...config.kafka,
    maxInFlight: config.maxInFlight,
    maxRunning: config.maxRunning,
    drainTimeoutMs: config.drainTimeoutMs,
    client,
    taskQueue: temporal.taskQueue,
    sealer,
    logger,
  });
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping: no new messages, finishing the starts in flight');
    stopping ??= consumer.stop();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  const registry = createMetricsRegistry('stream-consumer');
  // The consumer's running totals, read at each scrape.
  totalsCounter(registry, {
    name: 'enrich_stream_messages_total',
    help: 'Payment messages by what became of them: read, workflow started, duplicate (already started), dead-lettered; and offset commits.',
    labelNames: ['result'],
    read: () => {
      const { read, started, duplicates, deadLettered, commits } = consumer.stats;
      return [
        [{ result: 'read' }, read],
        [{ result: 'started' }, started],
        [{ result: 'duplicate' }, duplicates],
        [{ result: 'dead_lettered' }, deadLettered],
        [{ result: 'committed' }, commits],
      ];
    },
  });
  keyProviderCallsMetric(registry, keys.providerCalls);
  const ops = await startOpsServer({
    ...config.ops,
    registry,
    checks: { temporal: () => connection.healthService.check({}), keys: async () => keys.provider.check?.() },
  });
  await consumer.start();
  logger.info(
    { brokers: config.kafka.brokers, topic: config.kafka.topic, groupId: config.kafka.groupId, taskQueue: temporal.taskQueue, ops: ops.address() },
    'consuming payment events',
  );
  const progress = setInterval(() => logger.info(consumer.stats, 'progress'), 10_000);
  progress.unref();
  await consumer.done();
  await stopping;
  clearInterval(progress);
  await closeServer(ops);
  await connection.close();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `stream-consumer failed: ${error.message}` : error);
  process.exit(1);
});
