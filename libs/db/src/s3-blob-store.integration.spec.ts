import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { BlobNotFoundError } from './blob-store';
import { createBlobStore } from './create-blob-store';
import { S3BlobStore } from './s3-blob-store';

/** The S3 of the test stack's emulator (moto serves S3 and KMS on one port). */
function endpoint(): string {
  const url = process.env.KMS_ENDPOINT;
  if (!url) throw new Error('KMS_ENDPOINT is not set: run through npm test or nx test (the test stack runs the emulator)');
  return url;
}

describe('S3BlobStore against the S3 emulator', () => {
  const bucket = `enrich-blobs-${randomUUID().slice(0, 8)}`;
  let client: S3Client;

  beforeAll(async () => {
    client = new S3Client({ endpoint: endpoint(), forcePathStyle: true, region: process.env.AWS_REGION ?? 'us-east-1' });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(() => client.destroy());

  it('streams a file up in parts and back whole, under its prefix', async () => {
    const store = new S3BlobStore({ bucket, prefix: 'enrich/', client, partSizeBytes: 5 * 1024 * 1024 });
    const content = randomBytes(12 * 1024 * 1024);
    // Several chunks, as an upload arrives: the store never needs the whole file at once.
    const chunks = Array.from({ length: 24 }, (_, i) => content.subarray(i * 512 * 1024, (i + 1) * 512 * 1024));
    expect(await store.put('uploads/big.csv', Readable.from(chunks))).toBe(content.length);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'enrich/uploads/big.csv' }));
    expect(head.ContentLength).toBe(content.length);
    const back = Buffer.concat(await (await store.get('uploads/big.csv')).toArray());
    expect(back.equals(content)).toBe(true);
  });

  it('says a missing or invalid key is not found, and deletes idempotently', async () => {
    const store = createBlobStore({ dir: '/nonexistent', s3: { bucket, prefix: '', endpoint: endpoint() } });
    await store.put('uploads/small.csv', Readable.from([Buffer.from('email\na@example.com\n')]));
    expect(await text(await store.get('uploads/small.csv'))).toBe('email\na@example.com\n');
    await store.delete('uploads/small.csv');
    await store.delete('uploads/small.csv');
    await expect(store.get('uploads/small.csv')).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.get('../etc/passwd')).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('leaves nothing behind when the upload stream fails midway', async () => {
    const store = new S3BlobStore({ bucket, client });
    const failing = new Readable({
      read() {
        this.push(randomBytes(64 * 1024));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(store.put('uploads/broken.csv', failing)).rejects.toThrow();
    await expect(store.get('uploads/broken.csv')).rejects.toBeInstanceOf(BlobNotFoundError);
  });
});
