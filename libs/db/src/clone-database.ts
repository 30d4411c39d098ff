import { createPrismaClient, type PrismaClient } from './prisma-client';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

const INSUFFICIENT_PRIVILEGE = '42501';

export interface ClonedDatabase {
  /** Connection string of this suite's own database. */
  url: string;
  prisma: PrismaClient;
  /** Disconnects and drops the database. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh database by cloning a migrated template (`CREATE DATABASE … TEMPLATE`, a few tens
 * of milliseconds): each test suite gets its own from the template `tools/test.sh` migrates once.
 * The role in `serverUrl` needs CREATEDB.
 */
export async function cloneDatabase(serverUrl: string, template: string): Promise<ClonedDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = withDatabase(serverUrl, name);
  const prisma = createPrismaClient({ url, poolSize: 5 });
  return {
    url,
    prisma,
    async drop() {
      await prisma.$disconnect();
      // FORCE ends our own leftover sessions but may not end an autovacuum worker (a superuser's
      // process) busy with a freshly filled table: that is a permission error, and retried.
      for (let attempt = 1; ; attempt++) {
        try {
          await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
          return;
        } catch (error) {
          if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE || attempt >= 20) throw error;
          await sleep(500);
        }
      }
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdmin<T>(serverUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
