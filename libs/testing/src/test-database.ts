import { createPrismaClient, type PrismaClient } from '@enrich/db';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface TestDatabase {
  /** Connection string of this suite's own database. */
  url: string;
  prisma: PrismaClient;
  /** Disconnects and drops the database. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh, migrated database for one test suite by cloning the template that
 * `tools/test.sh` migrates once per run (`CREATE DATABASE … TEMPLATE`, a few tens of milliseconds).
 */
export async function createTestDatabase(serverUrl: string, template: string): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = withDatabase(serverUrl, name);
  const prisma = createPrismaClient({ url, poolSize: 5 });
  return {
    url,
    prisma,
    async drop() {
      await prisma.$disconnect();
      await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
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
