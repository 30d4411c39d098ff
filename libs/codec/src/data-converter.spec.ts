import { ApplicationFailure, defaultPayloadConverter, type ProtoFailure } from '@temporalio/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataConverter, FAILURE_CONVERTER_PATH } from './data-converter';
import { EncryptionCodec, isEncrypted } from './encryption-codec';
import { failureConverter } from './failure-converter';
import { LocalKeyProvider } from './local.key-provider';

describe('createDataConverter', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codec-converter-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('plugs the codec in and points at the encrypting failure converter', async () => {
    const codec = new EncryptionCodec({ keys: new LocalKeyProvider({ keyFile: join(dir, 'keys.json') }), namespace: 'default' });
    const converter = createDataConverter(codec);
    expect(converter.payloadCodecs).toEqual([codec]);
    expect(converter.failureConverterPath).toBe(FAILURE_CONVERTER_PATH);
    // Temporal requires the module at that path and takes its `failureConverter` export.
    const loaded = (await import(FAILURE_CONVERTER_PATH)) as { failureConverter: unknown };
    expect(loaded.failureConverter).toBe(failureConverter);
  });

  it('moves failure messages and stack traces into a payload the codec encrypts', async () => {
    const error = ApplicationFailure.nonRetryable('card 4111 1111 1111 1111 declined for jane.doe@example.com', 'CardDeclined');
    const failure: ProtoFailure = failureConverter.errorToFailure(error, defaultPayloadConverter);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(failure.encodedAttributes).toBeDefined();

    const codec = new EncryptionCodec({ keys: new LocalKeyProvider({ keyFile: join(dir, 'keys.json') }), namespace: 'default' });
    const [encrypted] = await codec.encode([failure.encodedAttributes ?? {}]);
    expect(isEncrypted(encrypted)).toBe(true);
    expect(JSON.stringify(failure)).not.toContain('jane.doe');
    expect(Buffer.from(encrypted.data ?? []).includes('jane.doe')).toBe(false);

    const [decrypted] = await codec.decode([encrypted]);
    const restored = failureConverter.failureToError({ ...failure, encodedAttributes: decrypted }, defaultPayloadConverter);
    expect(restored.message).toBe('card 4111 1111 1111 1111 declined for jane.doe@example.com');
  });
});
