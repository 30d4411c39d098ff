'use strict';
/**
 * Offline stand-in for Prisma's native `schema-engine` binary.
 *
 * WHAT: the Prisma CLI (7.x) runs every `prisma migrate …` / `db …` command by spawning the native
 * `schema-engine` binary and talking JSON-RPC 2.0 to it over stdio (one JSON object per line;
 * requests on the child's stdin, responses on its stdout, JSON log lines on its stderr). This
 * program speaks that same protocol, but executes each request with the WebAssembly build of the
 * very same engine (`schema_engine_bg.wasm`), which reaches PostgreSQL through a JS driver adapter
 * (./pg-adapter.cjs, built on @prisma/adapter-pg + pg).
 *
 * WHY: the native binary is downloaded from Prisma's CDN at install time, and this workplace can
 * only reach package registries. The Wasm engine ships inside npm packages, so it is available.
 * The CLI is pointed at us with PRISMA_SCHEMA_ENGINE_BINARY=tools/prisma-engine/schema-engine
 * when no native engine is installed (tools/migrate.sh, via ./select-engine.cjs). Migration files,
 * checksums and the `_prisma_migrations` table are produced by the engine's own code, so the
 * native engine accepts the same migrations folder.
 *
 * Wasm: we prefer node_modules/prisma/build/schema_engine_bg.wasm (built from exactly the commit
 * the CLI expects) and run it with the JS glue of @prisma/schema-engine-wasm. That package is
 * pinned to the build of the same engines commit (README.md, "Versions"), so both files are the
 * same engine and the glue matches; the package's own wasm is the fallback for a CLI bumped
 * without it (then the glue's wasm-bindgen imports may not fit the CLI's wasm).
 * PRISMA_SHIM_WASM=/path/to.wasm forces a file.
 *
 * Invocations handled (what the CLI does):
 *   schema-engine --version
 *   schema-engine --datasource '{"url":…}' cli can-connect-to-database | create-database
 *   schema-engine [--datamodels FILE]… [--datasource JSON] [--enabled-preview-features X] → RPC server
 *
 * Protocol notes (from the CLI's SchemaEngineCLI):
 *   - errors: {error:{code,message,data:{is_panic,message,error_code?,meta?}}}; the CLI shows
 *     data.message (prefixed with data.error_code), and a panic when data.is_panic is true;
 *   - `diff` output is printed by the engine through a reverse "print" request to the CLI;
 *   - the CLI names `getDatabaseVersion` what the Wasm engine calls `version`;
 *   - a fatal error before/outside a request: exit code 1 with an ERROR JSON line on stderr.
 * Set PRISMA_SHIM_DEBUG=1 to see the engine's own log lines on stderr (`DEBUG=prisma:schemaEngine*`
 * makes the CLI show our stderr).
 */
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

// stdout carries JSON-RPC only: keep any library chatter away from it.
for (const k of ['log', 'info', 'debug', 'warn']) console[k] = (...a) => process.stderr.write(a.join(' ') + '\n');

const DEBUG = !!process.env.PRISMA_SHIM_DEBUG;

/** One JSON log line on stderr, in the native engine's format. */
function log(level, message, extra = {}) {
  if (level === 'DEBUG' && !DEBUG) return;
  process.stderr.write(JSON.stringify({ timestamp: new Date().toISOString(), level, fields: { message, ...extra }, target: 'schema_engine::logger' }) + '\n');
}

// ---------------------------------------------------------------------------------------------
// Loading the Wasm engine

let panicMessage = null;
// The wasm-bindgen glue reports Rust panics here before trapping.
global.PRISMA_WASM_PANIC_REGISTRY = { set_message: (m) => (panicMessage = m) };

let wasmModulePromise;
function loadWasm() {
  if (wasmModulePromise) return wasmModulePromise;
  wasmModulePromise = (async () => {
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const glue = await import(require('node:url').pathToFileURL(gluePath).href);
    const candidates = [];
    if (process.env.PRISMA_SHIM_WASM) candidates.push(path.resolve(process.env.PRISMA_SHIM_WASM));
    else {
      try {
        candidates.push(path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm'));
      } catch {
        // prisma CLI not resolvable from here: use the package's own wasm only
      }
      candidates.push(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    }
    const failures = [];
    for (const file of candidates) {
      try {
        const mod = new WebAssembly.Module(fs.readFileSync(file));
        const missing = WebAssembly.Module.imports(mod).filter((i) => typeof glue[i.name] !== 'function');
        if (missing.length) throw new Error(`glue lacks ${missing.map((i) => i.name).join(', ')}`);
        const instance = new WebAssembly.Instance(mod, { [WebAssembly.Module.imports(mod)[0].module]: glue });
        glue.__wbg_set_wasm(instance.exports);
        instance.exports.__wbindgen_start();
        log('DEBUG', `loaded ${file} (engine ${glue.version()})`);
        return { glue, file };
      } catch (e) {
        failures.push(`${file}: ${e.message}`);
      }
    }
    throw new Error(`Could not load the schema engine Wasm module:\n${failures.join('\n')}`);
  })();
  return wasmModulePromise;
}

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const opts = { datamodels: [], datasource: null, previewFeatures: [], cli: null, version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '-d':
      case '--datamodel':
      case '--datamodels':
        opts.datamodels.push(value());
        break;
      case '--datasource':
        opts.datasource = value();
        break;
      case '--enabled-preview-features':
        opts.previewFeatures = String(value()).split(',').filter(Boolean);
        break;
      case '--extension-types':
        value(); // PostgreSQL extension types: not supported by the Wasm engine; ignored
        break;
      case '-V':
      case '--version':
        opts.version = true;
        break;
      case '-h':
      case '--help':
        opts.help = true;
        break;
      case 'cli':
        opts.cli = argv.slice(i + 1);
        i = argv.length;
        break;
      default:
        log('DEBUG', `ignoring unknown argument ${a}`);
    }
  }
  return opts;
}

/** The datasource URLs: --datasource JSON (what the CLI passes from prisma.config.ts `datasource`). */
function datasourceFrom(opts) {
  let ds = {};
  if (opts.datasource) {
    try {
      ds = JSON.parse(opts.datasource) || {};
    } catch (e) {
      throw new Error(`--datasource is not valid JSON: ${e.message}`);
    }
  }
  return {
    url: ds.url || process.env.DATABASE_URL || '',
    shadowDatabaseUrl: ds.shadowDatabaseUrl || undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC server

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

/** Turn anything the engine/adapter threw into a native-style JSON-RPC error object. */
function toRpcError(e, factoryRegistry) {
  if (panicMessage !== null || e instanceof WebAssembly.RuntimeError) {
    const message = panicMessage ?? String(e && e.message);
    return { code: 4466, message, data: { is_panic: true, message, backtrace: e && e.stack } };
  }
  // JS errors raised inside the driver adapter (ours included) are parked in the error registry
  // of @prisma/driver-adapter-utils; the engine's message only says "External error id#N".
  const err = e;
  let message = (e && e.message) || String(e);
  if (factoryRegistry) {
    message = message.replace(/External error id#(\d+)/g, (all, id) => {
      const rec = factoryRegistry.consumeError(Number(id));
      return rec && rec.error ? rec.error.message || String(rec.error) : all;
    });
  }
  const data = { is_panic: false, message };
  if (err && typeof err.code === 'string' && /^P\d{4}$/.test(err.code)) data.error_code = err.code;
  if (err && err.meta) data.meta = err.meta;
  return { code: 4466, message: 'An error happened. Check the data field for details.', data };
}

async function serve(opts) {
  const { url, shadowDatabaseUrl } = datasourceFrom(opts);
  const datamodels = opts.datamodels.map((f) => [f, fs.readFileSync(path.resolve(f), 'utf8')]);
  const pgAdapter = require('./pg-adapter.cjs');
  const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');

  let factory = null;
  let boundFactory = null;
  let enginePromise = null;
  const engine = () => {
    if (!enginePromise) {
      enginePromise = (async () => {
        const { glue } = await loadWasm();
        factory = pgAdapter.createFactory({ url, shadowDatabaseUrl, log });
        boundFactory = bindMigrationAwareSqlAdapterFactory(factory);
        return glue.SchemaEngine.new({ datamodels: datamodels.length ? datamodels : undefined }, (msg) => log('DEBUG', String(msg)), boundFactory);
      })();
    }
    return enginePromise;
  };

  // Reverse requests (engine → CLI), e.g. "print" for `migrate diff` output.
  let nextOwnId = 1;
  const pendingOwn = new Map();
  function requestCli(method, params) {
    const id = `shim-${nextOwnId++}`;
    return new Promise((resolve, reject) => {
      pendingOwn.set(id, { resolve, reject });
      send({ jsonrpc: '2.0', id, method, params });
    });
  }

  // The Wasm engine can only use the shadow database (our adapter's connectToShadowDb) inside
  // diagnoseMigrationHistory/devDiagnostic and diff. evaluateDataLoss and createMigration instead
  // look up "schema produced by these migrations" in a per-engine cache that only those
  // diagnostics fill, keyed by the list of APPLIED migrations; on a miss they fail with
  // "PostgreSQL shadow DB must be provided through an external factory". In `migrate dev`
  // the CLI applies pending migrations (applyMigrations) between devDiagnostic and
  // evaluateDataLoss, so the cache holds the wrong list. Before those two calls we therefore
  // run diagnoseMigrationHistory (shadow database allowed) once for the current migrations list:
  // every migration is applied by then, so it caches exactly the list the next call looks up.
  const warmed = new Set();
  async function warmMigrationCache(eng, params) {
    const list = params && params.migrationsList;
    if (!list) return;
    const key = JSON.stringify(list.migrationDirectories);
    if (warmed.has(key)) return;
    warmed.add(key);
    try {
      await eng.diagnoseMigrationHistory({
        migrationsList: list,
        optInToShadowDatabase: true,
        filters: params.filters ?? { externalTables: [], externalEnums: [] },
      });
    } catch (e) {
      log('DEBUG', `shadow-cache warm-up failed (the real call will report): ${e && e.message}`);
      if (panicMessage !== null) throw e;
    }
  }

  // Methods that are not a 1:1 call on the Wasm engine.
  const special = {
    async evaluateDataLoss(params) {
      const eng = await engine();
      await warmMigrationCache(eng, params);
      return eng.evaluateDataLoss(params);
    },
    async createMigration(params) {
      const eng = await engine();
      await warmMigrationCache(eng, params);
      return eng.createMigration(params);
    },
    async getDatabaseVersion(params) {
      return (await engine()).version(params ?? null);
    },
    async diff(params) {
      const { stdout, ...rest } = await (await engine()).diff(params);
      if (stdout) await requestCli('print', { content: stdout.replace(/\n$/, '') });
      return rest;
    },
    async createDatabase(params) {
      const dsUrl = params && params.datasource && params.datasource.tag === 'ConnectionString' ? params.datasource.url : url;
      try {
        return { databaseName: await pgAdapter.createDatabase(dsUrl) };
      } catch (e) {
        throw Object.assign(new Error(e.message), { code: e.error_code });
      }
    },
    async debugPanic() {
      (await engine()).debugPanic();
    },
  };
  const passthrough = new Set([
    'applyMigrations',
    'dbExecute',
    'devDiagnostic',
    'diagnoseMigrationHistory',
    'ensureConnectionValidity',
    'introspect',
    'introspectSql',
    'markMigrationApplied',
    'markMigrationRolledBack',
    'reset',
    'schemaPush',
  ]);

  async function handle(req) {
    const { id, method, params } = req;
    log('DEBUG', `request ${method}`);
    try {
      if (panicMessage !== null) throw new Error(`The schema engine panicked earlier: ${panicMessage}`);
      let result;
      if (special[method]) result = await special[method](params);
      else if (passthrough.has(method)) {
        const eng = await engine();
        result = await eng[method](params ?? {}); // keep the method bound to the wasm object
      } else {
        send({
          jsonrpc: '2.0',
          id,
          error: {
            code: -32601,
            message: `Method not found: ${method}`,
            data: { is_panic: false, message: `The offline schema engine (tools/prisma-engine) does not implement \`${method}\`.` },
          },
        });
        return;
      }
      send({ jsonrpc: '2.0', id, result: result === undefined ? null : result });
    } catch (e) {
      log('DEBUG', `request ${method} failed: ${e && e.stack}`);
      send({ jsonrpc: '2.0', id, error: toRpcError(e, boundFactory && boundFactory.errorRegistry) });
    }
  }

  let queue = Promise.resolve();
  let shuttingDown = false;
  async function shutdown(code) {
    if (shuttingDown) return;
    shuttingDown = true;
    const timer = setTimeout(() => process.exit(code), 3000);
    await queue; // handle() never rejects
    if (factory) await factory.shutdown().catch((e) => log('DEBUG', `shutdown: ${e && e.message}`));
    clearTimeout(timer);
    process.exit(code);
  }

  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (e) {
      send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: ${e.message}` } });
      return;
    }
    if (msg.method === undefined && pendingOwn.has(msg.id)) {
      const p = pendingOwn.get(msg.id);
      pendingOwn.delete(msg.id);
      if (msg.error) p.reject(new Error(JSON.stringify(msg.error)));
      else p.resolve(msg.result);
      return;
    }
    if (typeof msg.method !== 'string') return;
    // One request at a time: the CLI never overlaps them, and the engine is not reentrant.
    queue = queue.then(() => handle(msg));
  });
  rl.on('close', () => shutdown(0));
  // The CLI ends our stdin and sends SIGTERM right away when it is done.
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(130));
}

// ---------------------------------------------------------------------------------------------
// `schema-engine cli <command>`: one-shot commands run by the CLI through execa. On failure the
// CLI parses stderr (skipping its first line) as JSON lines and looks for an ERROR line with
// fields.error_code + fields.message (e.g. P1003 makes `migrate dev` create the database).

async function runCli(opts) {
  const pgAdapter = require('./pg-adapter.cjs');
  const { url } = datasourceFrom(opts);
  const [command] = opts.cli;
  log('INFO', `Starting schema engine CLI command ${command}`);
  try {
    if (!url) throw { message: 'The datasource URL is empty: set DATABASE_URL.' };
    if (command === 'can-connect-to-database') await pgAdapter.canConnect(url);
    else if (command === 'create-database') {
      const name = await pgAdapter.createDatabase(url);
      log('INFO', `Database '${name}' was successfully created.`);
    } else throw { message: `Unsupported cli command: ${command}` };
  } catch (e) {
    const fields = { message: e.message || String(e) };
    if (e.error_code) fields.error_code = e.error_code;
    // No trailing newline: the CLI JSON-parses every stderr line after the first.
    process.stderr.write(JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', fields, target: 'schema_engine::logger' }));
    process.exitCode = 1;
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write('schema-engine (offline Wasm shim, tools/prisma-engine): JSON-RPC over stdio; see schema-engine.cjs\n');
    return;
  }
  if (opts.version) {
    const { glue } = await loadWasm();
    process.stdout.write(`schema-engine-cli ${glue.version()}\n`);
    return;
  }
  if (opts.cli) return runCli(opts);
  return serve(opts);
}

main().catch((e) => {
  log('ERROR', (e && e.message) || String(e));
  process.exit(1);
});
