import { createCodecKit, LocalKeyProvider } from '@enrich/codec';
import { createPrismaClient, JobRepository, SealedValuesRepository } from '@enrich/db';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { loadWorkerConfig } from './config';
import { rewrapCachedAnswers, rewrapStoredInputs, rewrapStoredResults, type RewrapProgress } from './rewrap/rewrap-inputs';

/**
 * `rewrap`: after the configured master key changed (a KMS alias moved to a new key, or
 * `--rotate-local-key`), re-wraps the data keys of sealed fields stored in PostgreSQL under it:
 * the staged input (`job_row.input`), then the personal enriched values (`enrichment_result.value`)
 * and the cached provider answers (`lookup_cache.fields`). Uses the worker's configuration
 * (DATABASE_URL, CODEC_*, KMS_*).
 */
async function main(): Promise<void> {
  const program = new Command('rewrap')
    .description('re-wrap sealed fields stored in PostgreSQL under the current master key')
    .option('--dry-run', 'count the rows that would change, write nothing', false)
    .option('--batch <rows>', 'rows per batch', (v) => Number.parseInt(v, 10), 500)
    .option('--rotate-local-key', 'first add a new current key to the local key file (local provider only)', false)
    .parse(process.argv);
  const options = program.opts() as { dryRun: boolean; batch: number; rotateLocalKey: boolean };
  const config = loadWorkerConfig();
  if (options.rotateLocalKey) {
    if (config.codec.keyProvider.kind !== 'local')
      throw new Error('--rotate-local-key needs CODEC_KEY_PROVIDER=local; with AWS KMS, move the KMS_KEY_ID alias to the new key instead');
    const keyId = await new LocalKeyProvider({ keyFile: config.codec.keyProvider.keyFile }).rotate();
    process.stderr.write(`rotated the local master key: new current key ${keyId}\n`);
  }
  const prisma = createPrismaClient(config.database);
  try {
    const jobs = new JobRepository(prisma);
    const values = new SealedValuesRepository(prisma);
    const { sealer } = createCodecKit(config.codec, { namespace: config.temporal.namespace });
    const phase = async (what: string, total: number, run: (onProgress: (p: RewrapProgress) => void) => Promise<RewrapProgress>) => {
      const bar = new SingleBar(
        { format: `rewrap ${what} |{bar}| {value}/{total} scanned · {rewrapped} rewrapped`, stream: process.stderr, noTTYOutput: true, notTTYSchedule: 5_000 },
        Presets.shades_classic,
      );
      bar.start(total, 0, { rewrapped: 0 });
      const result = await run((p) => bar.update(p.scanned, { rewrapped: p.rewrapped }));
      bar.stop();
      return result;
    };
    const common = { sealer, batchSize: options.batch, dryRun: options.dryRun };
    const inputs = await phase('job_row.input', await jobs.totalStoredRows(), (onProgress) => rewrapStoredInputs({ ...common, jobs, onProgress }));
    const sealed = await values.countSealed();
    const results = await phase('enrichment_result.value', sealed.results, (onProgress) => rewrapStoredResults({ ...common, values, onProgress }));
    const cache = await phase('lookup_cache.fields', sealed.cache, (onProgress) => rewrapCachedAnswers({ ...common, values, onProgress }));
    // `scanned`/`rewrapped` at the top count job_row inputs, as before; each table has its own counts too.
    process.stdout.write(`${JSON.stringify({ ...inputs, inputs, results, cache, dryRun: options.dryRun })}\n`);
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(`rewrap failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
