'use strict';
/**
 * Which schema engine the Prisma CLI should run: the native binary where one is present, else the
 * offline Wasm shim of this folder. Used by tools/migrate.sh and tools/prisma-generate.sh.
 *
 *   node tools/prisma-engine/select-engine.cjs [--from DIR]
 *
 * Prints two lines on stdout: the path to export as PRISMA_SCHEMA_ENGINE_BINARY, then one
 * sentence saying which engine that is and why. Exit 1 (message on stderr) when
 * PRISMA_SCHEMA_ENGINE_BINARY is set but names no file: silently running another engine than
 * the one asked for would be worse than stopping.
 *
 * WHY we always export a path, even for the native engine the CLI would find by itself: every
 * `prisma migrate`/`generate` first checks its engine and, when the file in @prisma/engines is
 * missing or reports another version, tries to download it, which fails offline. With
 * PRISMA_SCHEMA_ENGINE_BINARY set the CLI skips that check.
 *
 * Order (the CLI's own, see resolveBinary in prisma/build/cli.js):
 *   1. PRISMA_SCHEMA_ENGINE_BINARY, when already set in the environment;
 *   2. schema-engine-<binaryTarget> in the @prisma/engines package the CLI requires (where
 *      prisma's postinstall downloads it), then in the prisma package, the node_modules folder
 *      holding it, and prisma/runtime. <binaryTarget> comes from the same @prisma/get-platform
 *      as the CLI's (e.g. debian-openssl-3.0.x). A candidate counts only if it is executable and
 *      its `--version` names the engines commit the CLI expects (@prisma/engines-version);
 *   3. the Wasm shim (./schema-engine).
 *
 * --from DIR resolves `prisma` from DIR instead of the repository root: lets the detection be
 * tried on a throw-away node_modules tree (see README.md), never on the real one.
 */
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '../..');
const shim = path.join(__dirname, 'schema-engine');

function rel(p) {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}

function fail(message) {
  process.stderr.write(`tools/prisma-engine/select-engine.cjs: ${message}\n`);
  process.exit(1);
}

function pkgDir(name, from) {
  return path.dirname(require.resolve(`${name}/package.json`, { paths: [from] }));
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The version line of an engine binary, or null if it does not run. */
function engineVersion(file) {
  try {
    return execFileSync(file, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20000 }).trim();
  } catch {
    return null;
  }
}

/** The `<hash>` of a `<version>-<n>.<hash>` engines package version. */
function commitOf(version) {
  return String(version).split('.').pop();
}

async function main() {
  const args = process.argv.slice(2);
  const fromIdx = args.indexOf('--from');
  const from = fromIdx >= 0 ? path.resolve(args[fromIdx + 1] || fail('--from needs a directory')) : root;

  const wanted = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  if (wanted) {
    const file = path.resolve(wanted);
    if (!fs.existsSync(file)) fail(`PRISMA_SCHEMA_ENGINE_BINARY is set to ${wanted}, which does not exist.`);
    return [file, `${rel(file)} (PRISMA_SCHEMA_ENGINE_BINARY is set)`];
  }

  const prismaDir = pkgDir('prisma', from);
  const enginesDir = pkgDir('@prisma/engines', prismaDir);
  const expected = readJson(path.join(pkgDir('@prisma/engines-version', enginesDir), 'package.json')).prisma.enginesVersion;
  const { getBinaryTargetForCurrentPlatform } = require(require.resolve('@prisma/get-platform', { paths: [enginesDir] }));
  const target = await getBinaryTargetForCurrentPlatform();
  const name = `schema-engine-${target}${target === 'windows' ? '.exe' : ''}`;

  const dirs = [enginesDir, prismaDir, path.dirname(prismaDir), path.join(prismaDir, 'runtime')];
  const rejected = [];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) continue;
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      rejected.push(`${rel(file)} is not executable`);
      continue;
    }
    const version = engineVersion(file);
    if (version && version.includes(expected)) return [file, `native ${rel(file)} (found where the Prisma CLI looks; engines ${expected})`];
    rejected.push(`${rel(file)} reports ${version === null ? 'nothing' : `"${version}"`}, the CLI expects engines ${expected}`);
  }

  let why = rejected.length
    ? `no usable native engine: ${rejected.join('; ')}`
    : `no native ${name} in ${dirs.map(rel).join(', ')}: it is only downloaded by an install that runs prisma's scripts`;
  // The shim prefers the CLI's own schema_engine_bg.wasm; the package's is the fallback, and is
  // only the right engine when pinned to the CLI's engines commit (README.md: "Versions").
  // (Its package exports no ./package.json: find it beside the glue module the shim loads.)
  const wasmDir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg', { paths: [root] }));
  const wasmVersion = readJson(path.join(wasmDir, 'package.json')).version;
  if (commitOf(wasmVersion) !== expected) {
    why += `; WARNING: @prisma/schema-engine-wasm ${wasmVersion} is not built from the CLI's engines commit ${expected}`;
  }
  return [shim, `Wasm shim ${rel(shim)} (${why})`];
}

main().then(
  ([file, why]) => process.stdout.write(`${file}\n${why}\n`),
  (e) => fail((e && e.message) || String(e)),
);
