'use strict';
/**
 * PostgreSQL driver adapter factory for the Wasm schema engine (see schema-engine.cjs).
 *
 * The Wasm build of Prisma's schema engine does no I/O of its own: every query goes through a
 * "migration-aware driver adapter factory" (`connect()` for the main database,
 * `connectToShadowDb()` for a throw-away shadow database). `@prisma/adapter-pg` provides one
 * (checked with 7.10.0), but it was written for Prisma Client, and needs four fixes before the
 * schema engine can use it. Rather than patching node_modules, this module builds its own pools
 * and hands them to `PrismaPg` as external pools:
 *
 *  1. `"char"` (OID 18): the engine's introspection queries return columns of PostgreSQL's
 *     internal one-byte `"char"` type (pg_class.relkind, pg_constraint.confdeltype, ...).
 *     adapter-pg rejects that OID as "Unsupported column type char". Our pg `Client` subclass
 *     reports those columns as `text` (OID 25); the value is already a JS string.
 *  2. Shadow database: adapter-pg's `connectToShadowDb()` opens the shadow pool with
 *     `{ ...config, database }`; when the config is a `connectionString` that string wins and the
 *     "shadow" pool silently points at the MAIN database. We connect with discrete
 *     host/port/user/password/database fields instead.
 *  3. Dropping the shadow database: adapter-pg drops it while its own pool still holds
 *     connections ("database is being accessed by other users"). We close the shadow pool first,
 *     then drop (WITH (FORCE) where the server supports it), and also drop any shadow database a
 *     failed command left behind when the process shuts down.
 *  4. `executeScript()`: adapter-pg splits the script on every `;` and runs the pieces one by one,
 *     which breaks `$$ ... $$` function bodies and string literals, and loses the implicit
 *     transaction. We send the whole migration script as ONE simple query, exactly like the
 *     native engine does.
 */
const path = require('node:path');
const crypto = require('node:crypto');

// @prisma/adapter-pg is a dependency of libs/db, not of the root: npm may install it in
// libs/db/node_modules rather than hoist it, so resolve it from there (the app's own copy).
const adapterPgMain = require.resolve('@prisma/adapter-pg', { paths: [path.join(__dirname, '../../libs/db')] });
// Resolve pg from @prisma/adapter-pg's own location so that `pool instanceof pg.Pool` holds there.
const pgMain = require.resolve('pg', { paths: [path.dirname(adapterPgMain)] });
const pg = require(pgMain);
const { parseIntoClientConfig } = require(require.resolve('pg-connection-string', { paths: [path.dirname(pgMain)] }));
const { PrismaPg } = require(adapterPgMain);
const { DriverAdapterError } = require('@prisma/driver-adapter-utils');

const OID_CHAR = 18;
const OID_TEXT = 25;

function reportCharAsText(result) {
  const results = Array.isArray(result) ? result : [result];
  for (const r of results) {
    if (r && Array.isArray(r.fields)) {
      for (const f of r.fields) if (f.dataTypeID === OID_CHAR) f.dataTypeID = OID_TEXT;
    }
  }
  return result;
}

/** Workaround 1: a pg Client whose results never expose OID 18 ("char"). */
class CharAsTextClient extends pg.Client {
  query(config, values, callback) {
    if (typeof values === 'function') {
      callback = values;
      values = undefined;
    }
    if (typeof callback === 'function') {
      return super.query(config, values, (err, res) => callback(err, err ? res : reportCharAsText(res)));
    }
    const ret = super.query(config, values);
    return ret && typeof ret.then === 'function' ? ret.then(reportCharAsText) : ret;
  }
}

/** For best-effort cleanup (closing a connection that may already be gone). */
function ignore() {
  /* nothing to do */
}

function quoteIdent(name) {
  return '"' + String(name).replace(/"/g, '""') + '"';
}

/** Host/port of a config, for messages. */
function where(cfg) {
  return `${cfg.host || 'localhost'}:${cfg.port || 5432}`;
}

/**
 * Parse a postgres:// URL into discrete pg client fields (workaround 2), plus the Prisma-only
 * `schema` parameter (passed to the adapter, not to pg).
 */
function parseUrl(url) {
  const cfg = parseIntoClientConfig(url);
  const schema = cfg.schema;
  // Prisma-specific URL parameters that mean nothing to pg.
  for (const k of ['schema', 'connection_limit', 'pool_timeout', 'pgbouncer', 'statement_cache_size', 'socket_timeout']) {
    delete cfg[k];
  }
  return { cfg, schema };
}

/**
 * Build a migration-aware driver adapter factory for `url`.
 * `shadowDatabaseUrl` (optional) is used as-is instead of a temporary shadow database.
 */
function createFactory({ url, shadowDatabaseUrl, log = ignore }) {
  if (!url) throw new Error('The datasource URL is empty: set DATABASE_URL (prisma.config.ts reads it).');
  const main = parseUrl(url);
  const pools = new Set(); // every pool we opened, closed on shutdown
  const pendingShadowDbs = new Set(); // temporary shadow databases not dropped yet

  async function makeAdapter(cfg, schema) {
    const pool = new pg.Pool({ ...cfg, Client: CharAsTextClient });
    pools.add(pool);
    pool.on('error', (e) => log('DEBUG', `idle pool client error: ${e.message}`));
    const adapter = await new PrismaPg(pool, { schema, disposeExternalPool: true }).connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      pools.delete(pool);
      await dispose();
    };
    // Workaround 4: the whole script as one simple query (implicit transaction, $$ bodies intact).
    adapter.executeScript = async (script) => {
      try {
        await pool.query(script);
      } catch (e) {
        if (e && typeof e.code === 'string' && typeof e.severity === 'string') {
          // Keep PostgreSQL's own wording and SQLSTATE (adapter-pg would turn e.g. 42P01 into a
          // terse "No such table"); this is what lands in the CLI output and _prisma_migrations.logs.
          const position = e.position ? ` (at character ${e.position})` : '';
          throw new DriverAdapterError({
            kind: 'postgres',
            code: e.code,
            severity: e.severity,
            message: `${e.message}${position}`,
            detail: e.detail,
            column: e.column,
            hint: e.hint,
          });
        }
        adapter.onError(e); // connection-level errors: adapter-pg's own mapping
      }
    };
    return adapter;
  }

  /** A single short-lived admin connection to the main database (CREATE/DROP DATABASE). */
  async function withAdmin(fn) {
    const client = new pg.Client(main.cfg);
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(ignore);
    }
  }

  async function dropDatabase(name) {
    await withAdmin(async (c) => {
      try {
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } catch (e) {
        if (e.code !== '42601') throw e; // syntax error: server older than PostgreSQL 13
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
      }
    });
    pendingShadowDbs.delete(name);
    log('DEBUG', `dropped shadow database ${name}`);
  }

  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',

    connect() {
      return makeAdapter(main.cfg, main.schema);
    },

    async connectToShadowDb() {
      if (shadowDatabaseUrl) {
        // A configured shadow database (datasource.shadowDatabaseUrl): like the native engine,
        // refuse the main database and empty it before use (the Wasm engine does neither).
        const shadow = parseUrl(shadowDatabaseUrl);
        const same = (k) => String(shadow.cfg[k] ?? '') === String(main.cfg[k] ?? '');
        if (same('host') && same('port') && same('database')) {
          throw new Error('The shadow database you configured is the same as the main database (datasource.shadowDatabaseUrl).');
        }
        const schema = quoteIdent(shadow.schema ?? main.schema ?? 'public');
        const client = new pg.Client(shadow.cfg);
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};`);
        } catch {
          // Not the schema's owner: drop what we own instead.
          await client.query(`DROP OWNED BY CURRENT_USER; CREATE SCHEMA IF NOT EXISTS ${schema};`);
        } finally {
          await client.end().catch(ignore);
        }
        log('DEBUG', `emptied configured shadow database ${shadow.cfg.database}`);
        return makeAdapter(shadow.cfg, shadow.schema ?? main.schema);
      }
      const name = `prisma_migrate_shadow_db_${crypto.randomUUID()}`;
      try {
        await withAdmin((c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
      } catch (e) {
        e.message =
          `Prisma Migrate could not create the shadow database ${name} at ${where(main.cfg)} ` +
          `(the database user needs the CREATEDB privilege): ${e.message}`;
        throw e;
      }
      pendingShadowDbs.add(name);
      log('DEBUG', `created shadow database ${name}`);
      const adapter = await makeAdapter({ ...main.cfg, database: name }, main.schema);
      const dispose = adapter.dispose;
      // Workaround 3: close the shadow pool first, then drop the database.
      adapter.dispose = async () => {
        await dispose();
        await dropDatabase(name);
      };
      return adapter;
    },

    /** Close every pool and drop leftover shadow databases (process shutdown). */
    async shutdown() {
      await Promise.allSettled([...pools].map((p) => p.end()));
      pools.clear();
      for (const name of [...pendingShadowDbs]) {
        await dropDatabase(name).catch((e) => log('WARN', `could not drop shadow database ${name}: ${e.message}`));
      }
    },
  };
}

/** Map a pg connection error to the Prisma error code the CLI understands (P1000/P1001/P1003). */
function describeConnectError(e, cfg) {
  const at = where(cfg);
  if (e && e.code === '3D000') {
    return { error_code: 'P1003', message: `Database \`${cfg.database}\` does not exist on the database server at \`${at}\`.` };
  }
  if (e && (e.code === '28P01' || e.code === '28000')) {
    return {
      error_code: 'P1000',
      message:
        `Authentication failed against database server at \`${at}\`, the provided database credentials for \`${cfg.user}\` are not valid.\n\n` +
        `Please make sure to provide valid database credentials for the database server at \`${at}\`.`,
    };
  }
  if (e && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOENT'].includes(e.code)) {
    return {
      error_code: 'P1001',
      message: `Can't reach database server at \`${at}\`\n\nPlease make sure your database server is running at \`${at}\`.`,
    };
  }
  return { message: (e && e.message) || String(e) };
}

/** `schema-engine cli can-connect-to-database`. Throws { error_code?, message }. */
async function canConnect(url) {
  const { cfg } = parseUrl(url);
  const client = new pg.Client({ ...cfg, connectionTimeoutMillis: 10000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (e) {
    throw describeConnectError(e, cfg);
  } finally {
    await client.end().catch(ignore);
  }
}

/** `schema-engine cli create-database` / RPC createDatabase. Returns the database name. */
async function createDatabase(url) {
  const { cfg } = parseUrl(url);
  const name = cfg.database;
  if (!name) throw { message: 'The datasource URL names no database to create.' };
  let lastError;
  for (const maintenance of ['postgres', 'template1']) {
    const client = new pg.Client({ ...cfg, database: maintenance, connectionTimeoutMillis: 10000 });
    try {
      await client.connect();
    } catch (e) {
      lastError = e;
      await client.end().catch(ignore);
      if (e.code === '3D000') continue;
      throw describeConnectError(e, { ...cfg, database: maintenance });
    }
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } catch (e) {
      if (e.code !== '42P04') throw { message: `Could not create database \`${name}\`: ${e.message}` }; // 42P04: exists
    } finally {
      await client.end().catch(ignore);
    }
    return name;
  }
  throw describeConnectError(lastError, cfg);
}

module.exports = { createFactory, canConnect, createDatabase, parseUrl };
