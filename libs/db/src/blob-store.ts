import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Thrown for a blob key that does not exist or cannot be used as a key. */
export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
}

/**
 * Uploaded files, kept until staged: a directory shared by the gateway and the workers
 * ({@link FileBlobStore}, the embedded default), or an S3 bucket they reach from any host
 * (`S3BlobStore`).
 */
export interface BlobStore {
  /** Streams `content` to `key`; the blob appears whole or not at all. Returns its size in bytes. */
  put(key: string, content: Readable): Promise<number>;
  get(key: string): Promise<Readable>;
  delete(key: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Throws {@link BlobNotFoundError} for a key no store accepts (empty parts, `..`, odd characters). */
export function checkBlobKey(key: string): string {
  if (!KEY.test(key) || key.includes('..')) throw new BlobNotFoundError(`invalid blob key: ${JSON.stringify(key)}`);
  return key;
}

export class FileBlobStore implements BlobStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, content: Readable): Promise<number> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    try {
      await pipeline(content, createWriteStream(partial));
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return (await stat(path)).size;
  }

  async get(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    try {
      await stat(path);
    } catch (error) {
      throw new BlobNotFoundError(`blob ${key} does not exist in ${this.root}`, { cause: error });
    }
    return createReadStream(path);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    return join(this.root, checkBlobKey(key));
  }
}
