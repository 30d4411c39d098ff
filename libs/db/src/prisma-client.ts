import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

export interface DatabaseOptions {
  /** postgresql:// connection string. */
  url: string;
  /** Connections in the pool; size it to the concurrent activities or requests of the process. */
  poolSize?: number;
}

/** Creates a Prisma client over a `pg` pool. Call `$disconnect()` when the process stops. */
export function createPrismaClient({ url, poolSize = 10 }: DatabaseOptions): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }) });
}

export { PrismaClient };
export { Prisma } from './generated/prisma/client';
