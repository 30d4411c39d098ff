import { Client as PgClient } from 'pg';

/** Statement time PostgreSQL spent in one database (all connections), in ms (PG 14+). */
export async function databaseActiveMs(serverUrl: string, databaseUrl: string): Promise<number> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const pg = new PgClient({ connectionString: serverUrl });
  await pg.connect();
  try {
    const result = await pg.query<{ active_time: number | null }>('SELECT active_time FROM pg_stat_database WHERE datname = $1', [name]);
    return Number(result.rows[0]?.active_time ?? 0);
  } finally {
    await pg.end();
  }
}
