import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough, type Readable } from 'node:stream';
import { BlobNotFoundError, type BlobStore, checkBlobKey } from './blob-store';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Prepended to every key (e.g. `enrich/`); empty for none. */
  prefix?: string;
  /** A client, or its settings: an `endpoint` with `forcePathStyle` for MinIO or the moto emulator. */
  client?: S3Client | S3ClientConfig;
  /** Bytes per part of a multipart upload (S3's minimum is 5 MiB); 8 MiB unless told. */
  partSizeBytes?: number;
}

/**
 * Uploads in an S3 bucket, so gateways and workers on different hosts share them. A file is streamed
 * up in parts (`@aws-sdk/lib-storage`: a few parts in memory at once, whatever the file's size) and
 * appears whole when the multipart upload completes, or not at all (a failed upload is aborted).
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;

  constructor(options: S3BlobStoreOptions) {
    this.ownsClient = !(options.client instanceof S3Client);
    this.client = options.client instanceof S3Client ? options.client : new S3Client(options.client ?? {});
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.partSize = options.partSizeBytes ?? 8 * 1024 * 1024;
  }

  async put(key: string, content: Readable): Promise<number> {
    const objectKey = this.objectKey(key);
    let size = 0;
    const counted = new PassThrough();
    counted.on('data', (chunk: Buffer) => (size += chunk.length));
    content.on('error', (error) => counted.destroy(error));
    content.pipe(counted);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: counted },
      partSize: this.partSize,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await upload.done();
    return size;
  }

  async get(key: string): Promise<Readable> {
    const objectKey = this.objectKey(key);
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      if (!Body) throw new BlobNotFoundError(`blob ${key} has no body in s3://${this.bucket}/${objectKey}`);
      return Body as Readable;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
        throw new BlobNotFoundError(`blob ${key} does not exist in s3://${this.bucket}/${this.prefix}`, { cause: error });
      }
      throw error;
    }
  }

  /** Deletes the blob; deleting one that is gone is not an error. */
  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  /** Destroys the S3 client if this store created it. */
  destroy(): void {
    if (this.ownsClient) this.client.destroy();
  }

  private objectKey(key: string): string {
    return `${this.prefix}${checkBlobKey(key)}`;
  }
}
