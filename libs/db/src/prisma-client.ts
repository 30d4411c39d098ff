import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, type PoolClient } from 'pg';
import { PrismaClient } from './generated/prisma/client';

export interface DatabaseOptions {
  /** postgresql:// connection string. */
  url: string;
  /** Connections in the pool; size it to the concurrent activities or requests of the process. */
  poolSize?: number;
  /** Told of a connection the server dropped (a restart, a failover); the pool replaces it. Default: nothing. */
  onConnectionError?: (error: Error) => void;
}

/** The pg pool under each client made by {@link createPrismaClient}. */
const pools = new WeakMap<PrismaClient, Pool>();

/**
 * Creates a Prisma client over a `pg` pool. Call `$disconnect()` when the process stops (it ends
 * the pool too).
 */
export function createPrismaClient({ url, poolSize = 10, onConnectionError = () => undefined }: DatabaseOptions): PrismaClient {
  const pool = new Pool({ connectionString: url, max: poolSize });
  // A connection the server drops errors on its client, idle in the pool or checked out between two
  // queries. Unhandled, that 'error' event would end the process; handled, the query using the
  // connection fails (its caller retries) and the pool opens a new one.
  pool.on('error', onConnectionError);
  pool.on('connect', (client) => client.on('error', onConnectionError));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(prisma, pool);
  return prisma;
}

/**
 * The `pg` pool under `prisma`, for the bulk statements of the hot paths (staging inserts, page
 * results, the lookup cache). They bypass Prisma on purpose: its pg adapter hands every query with
 * its arguments to a debug logger that keeps the last 100 calls whether logging is on or not, which
 * for batches of a thousand rows is hundreds of megabytes held; and going straight to `pg` spares
 * the per-query work of the client runtime.
 */
export function sqlPool(prisma: PrismaClient): Pool {
  const pool = pools.get(prisma);
  if (!pool) throw new Error('this PrismaClient was not made by createPrismaClient, so it has no pg pool to share');
  return pool;
}

/** Runs `fn` in one transaction on a connection of `pool`: committed when it resolves, else rolled back. */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot even roll back (the server went away) is discarded, not pooled again.
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw error;
  } finally {
    client.release(broken);
  }
}

export { PrismaClient };
export { Prisma } from './generated/prisma/client';
