/**
 * What a service of another team does with the enrichment platform's published packages: writes
 * and reads Temporal payloads encrypted by `@enrich/codec`, and seals and opens the personal fields
 * of a record validated by `@enrich/domain`. tools/packaging-check.sh runs it against freshly
 * packed tarballs, so it proves that they install, type-check and run outside the monorepo.
 */
import { deepStrictEqual, ok } from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCodecKit, createPayloadCodec, DATA_KEY_CACHE_DEFAULTS, isEncrypted, type CodecOptions } from '@enrich/codec';
import { isSealed, PERSONAL_CUSTOMER_FIELDS, validateCustomerRecord } from '@enrich/domain';
import { defaultPayloadConverter } from '@temporalio/common';

// A throwaway key file: the local key provider creates it (mode 0600) on first use.
const dir = await mkdtemp(join(tmpdir(), 'codec-consumer-'));
try {
  const options: CodecOptions = {
    encryption: true,
    keyProvider: { kind: 'local', keyFile: join(dir, 'master-keys.json') },
    dataKeys: { maxAgeMs: DATA_KEY_CACHE_DEFAULTS.maxAgeMs, maxUses: DATA_KEY_CACHE_DEFAULTS.maxUses },
    keyCache: { ttlMs: DATA_KEY_CACHE_DEFAULTS.unwrappedTtlMs, maxEntries: DATA_KEY_CACHE_DEFAULTS.maxUnwrapped },
  };
  const { codec, sealer, dataConverter } = createCodecKit(options, { namespace: 'default' });

  // Temporal loads the failure converter by path (in workers, their workflow bundles and clients),
  // so that path must lead into the installed package.
  const failureConverterPath = dataConverter.failureConverterPath ?? '';
  const { failureConverter } = (await import(pathToFileURL(failureConverterPath).href)) as { failureConverter?: unknown };
  ok(failureConverter !== undefined, `no failureConverter in ${failureConverterPath}`);

  // A payload as a client writes it: encrypted, the value nowhere in its bytes...
  const input = { jobId: 'job-42', note: 'payload round-trip' };
  const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(input)]);
  ok(encoded !== undefined && isEncrypted(encoded), 'encode did not encrypt the payload');
  ok(!Buffer.from(encoded.data ?? []).includes('job-42'), 'the value is readable in the encrypted payload');
  // ...and read by another process holding the same key file (a worker, the codec server).
  const [decoded] = await createPayloadCodec(options, { namespace: 'default' }).decode([encoded]);
  ok(decoded !== undefined, 'decode returned no payload');
  deepStrictEqual(defaultPayloadConverter.fromPayload(decoded), input);

  // Personal fields travel sealed (`Sealed<T>` of @enrich/domain) until someone allowed opens them.
  const validation = validateCustomerRecord({ email: ' Ada@Example.com ', first_name: 'Ada', company: 'Analytical Engines' });
  ok(validation.ok, `the record is invalid: ${validation.ok ? '' : validation.reason}`);
  const sealed = await sealer.sealRecord(validation.record, PERSONAL_CUSTOMER_FIELDS);
  ok(isSealed(sealed.email) && isSealed(sealed.first_name), 'personal fields were not sealed');
  deepStrictEqual(await sealer.openRecord(sealed), validation.record);

  console.log('codec-consumer: OK (payload encrypted and decrypted by another codec, personal fields sealed and opened)');
} finally {
  await rm(dir, { recursive: true, force: true });
}
