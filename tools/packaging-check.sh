#!/usr/bin/env bash
# Checks the publishable libraries (@enrich/domain, @enrich/codec) the way another team gets them:
# builds and packs them, checks each tarball (README, exports and main present, no spec files,
# every source map's sources inside, dependencies that a registry can satisfy), then installs the
# two tarballs into a scratch copy of examples/codec-consumer (everything else from the public
# registry), compiles it with its own tsc and tsconfig and runs its codec round-trip.
#
#   bash tools/packaging-check.sh        # exit status 1, naming the step and showing its output, when anything breaks
#
# The scratch folder (under $TMPDIR) is removed on exit; nothing in the repository changes but the
# libs' dist/ (an ordinary build).
set -euo pipefail
TOOL=packaging-check
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

packages=(@enrich/domain @enrich/codec)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/packaging-check.XXXXXX")
cleanup() {
  local status=$?
  rm -rf "$scratch"
  say "finished in $(($(date +%s) - started))s with exit code $status"
}
trap cleanup EXIT

# step WHAT COMMAND…: runs COMMAND with its output kept aside; when it fails, shows the end of that
# output and stops, naming WHAT failed.
step() {
  local what=$1 log="$scratch/step.log"
  shift
  say "$what"
  if ! "$@" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    die "$what failed: $*"
  fi
}

step "building ${packages[*]}" npx nx run-many -t build -p "${packages[@]}" --outputStyle=static

mkdir -p "$scratch/tarballs" "$scratch/unpacked" "$scratch/consumer"
pack_args=()
for package in "${packages[@]}"; do pack_args+=(-w "$package"); done
step "packing ${packages[*]}" npm pack --pack-destination "$scratch/tarballs" "${pack_args[@]}"
tarballs=("$scratch"/tarballs/*.tgz)
[ ${#tarballs[@]} -eq ${#packages[@]} ] || die "expected ${#packages[@]} tarballs in $scratch/tarballs, found: ${tarballs[*]##*/}"
for tarball in "${tarballs[@]}"; do
  name=$(basename "$tarball" .tgz)
  mkdir -p "$scratch/unpacked/$name"
  tar -xzf "$tarball" -C "$scratch/unpacked/$name"
done

# What a registry install needs of each tarball, checked on its unpacked files (package/…).
check_tarballs() {
  node - "${packages[*]}" "$scratch"/unpacked/*/package <<'EOF'
const { existsSync, readFileSync, readdirSync } = require('node:fs');
const { builtinModules } = require('node:module');
const { dirname, join, relative } = require('node:path');
const [published, ...roots] = process.argv.slice(2);
const ours = new Set(published.split(' '));
const problems = [];
for (const root of roots) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const problem = (text) => problems.push(`${pkg.name}: ${text}`);
  const files = readdirSync(root, { recursive: true }).map((file) => file.replaceAll('\\', '/'));
  if (pkg.private) problem('is private');
  if (!files.includes('README.md')) problem('has no README.md');
  for (const file of files.filter((f) => /\.(spec|test)\.ts$|\.tsbuildinfo$/.test(f))) problem(`ships ${file}`);
  // Every target of main, types and exports (the @enrich/source condition too: it names shipped sources).
  const targets = [pkg.main, pkg.types];
  const collect = (value) => (typeof value === 'string' ? targets.push(value) : Object.values(value ?? {}).forEach(collect));
  collect(pkg.exports);
  for (const target of targets.filter(Boolean)) if (!existsSync(join(root, target))) problem(`points at ${target}, which it does not ship`);
  // A map must find its sources in the tarball, else debuggers and stack traces point at nothing.
  for (const map of files.filter((f) => f.endsWith('.map'))) {
    const { sourceRoot = '', sources = [] } = JSON.parse(readFileSync(join(root, map), 'utf8'));
    for (const source of sources) {
      const path = join(root, dirname(map), sourceRoot, source);
      if (!existsSync(path)) problem(`${map} maps to ${relative(root, path)}, which it does not ship (stale dist/? rebuild from clean)`);
    }
  }
  // Installed alone, every dependency must resolve from a registry: no workspace-only ranges, no unpublished @enrich package.
  const dependencies = { ...pkg.dependencies, ...pkg.peerDependencies };
  for (const [name, range] of Object.entries(dependencies)) {
    if (range === '*' || /^(workspace|file|link):/.test(range)) problem(`depends on ${name}@${range}, which only resolves inside the monorepo`);
    if (name.startsWith('@enrich/') && !ours.has(name)) problem(`depends on ${name}, which is not published`);
  }
  // What the built code and declarations import must be a dependency: in the monorepo (and in a
  // flat install) a package hoisted for someone else hides the omission, e.g. tslib for importHelpers.
  const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
  for (const file of files.filter((f) => /^dist\/.*\.(js|d\.ts)$/.test(f))) {
    for (const [, specifier] of readFileSync(join(root, file), 'utf8').matchAll(/(?:require\(|import\(|from )["']([^"'.][^"']*)["']/g)) {
      if (specifier.startsWith('node:') || builtinModules.includes(specifier) || packageOf(specifier) in dependencies) continue;
      problem(`${file} imports ${specifier}, which is not among its dependencies`);
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`${roots.length} tarballs: ok`);
EOF
}
step "checking the tarballs (${tarballs[*]##*/})" check_tarballs

tar -C examples/codec-consumer --exclude=node_modules --exclude=dist -cf - . | tar -C "$scratch/consumer" -xf -
cd "$scratch/consumer"
# ENRICH_NPM_REGISTRY unset: were any @enrich package not satisfied by the tarballs, npm would fail
# to fetch it (the consumer's .npmrc maps the scope to it) rather than take it from elsewhere.
step "installing the tarballs into examples/codec-consumer (the rest from the registry)" \
  env -u ENRICH_NPM_REGISTRY npm install --ignore-scripts --no-audit --no-fund "${tarballs[@]}"
step "compiling examples/codec-consumer with its own tsc" npx --no-install tsc -p tsconfig.json
# Our declarations type-checked as a consumer with skipLibCheck off sees them (tsc reports no
# unresolved imports in node_modules: the tarball check covers those); errors in third-party
# declarations are not ours to fix here.
check_declarations() {
  local errors
  errors=$(npx --no-install tsc -p tsconfig.json --noEmit --skipLibCheck false 2>&1 | grep '^node_modules/@enrich/' || true)
  [ -z "$errors" ] || {
    printf '%s\n' "$errors"
    return 1
  }
}
step "checking the declarations of ${packages[*]} with skipLibCheck off" check_declarations
step "running the codec round-trip" node dist/main.js
grep -q '^codec-consumer: OK' "$scratch/step.log" || die "examples/codec-consumer did not report OK: $(cat "$scratch/step.log")"
say "$(cat "$scratch/step.log")"
