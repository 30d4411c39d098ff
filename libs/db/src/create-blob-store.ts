import { type BlobStore, FileBlobStore } from './blob-store';
import { S3BlobStore } from './s3-blob-store';

/** Where uploads are kept (the shape of `@enrich/config`'s `BlobStoreConfig`). */
export interface BlobStoreSettings {
  dir: string;
  s3?: { bucket: string; prefix: string; endpoint?: string };
}

/** The S3 bucket when one is configured, else the shared directory. */
export function createBlobStore({ dir, s3 }: BlobStoreSettings): BlobStore {
  if (!s3) return new FileBlobStore(dir);
  return new S3BlobStore({
    bucket: s3.bucket,
    prefix: s3.prefix,
    // An S3-compatible endpoint (MinIO, the emulator) is addressed path-style; AWS by its defaults.
    client: s3.endpoint ? { endpoint: s3.endpoint, forcePathStyle: true } : {},
  });
}
