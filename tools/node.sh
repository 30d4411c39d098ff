# Sourced by the project's entry scripts (tools/common.sh, .ci/run): puts the Node.js version of
# .nvmrc first on PATH. A `node` of that major version or newer on PATH is used as it is (a
# developer's nvm, actions/setup-node). Otherwise the exact version of .nvmrc is installed once into
# the git-ignored .stack/node/<version>/ from the npm registry package node-linux-<arch>, which
# ships the official binary inside it: nothing is downloaded from anywhere but the registry, and
# the machine's own node is left alone. npm itself stays the machine's (it runs on whichever `node`
# is first on PATH).
#
# Sourced, it needs `root` (the repository root) set by the caller. Run as a command, it prints the
# PATH line for a shell of your own (e.g. before `npx nx serve <app>`):
#   eval "$(bash tools/node.sh)"

[ -n "${root:-}" ] || root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_wanted=$(tr -d ' \r\n' <"$root/.nvmrc")
node_wanted=${node_wanted#v}
node_wanted_major=${node_wanted%%.*}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt "$node_wanted_major" ]; then
  case "$(uname -m)" in
    x86_64 | amd64) node_arch=x64 ;;
    aarch64 | arm64) node_arch=arm64 ;;
    *) printf 'node: error: no node-linux package for %s; install Node.js %s yourself and put it first on PATH\n' "$(uname -m)" "$node_wanted" >&2; exit 1 ;;
  esac
  node_home="$root/.stack/node/$node_wanted"
  node_bin="$node_home/node_modules/node-linux-$node_arch/bin"
  if [ ! -x "$node_bin/node" ]; then
    printf 'node: %s is Node.js %s; installing Node.js %s (npm package node-linux-%s) into %s\n' \
      "$(command -v node || echo 'no node')" "$(node -v 2>/dev/null || echo '-')" "$node_wanted" "$node_arch" "${node_home#"$root"/}" >&2
    # Into a temporary folder first, then one rename: a second script starting at the same time
    # never sees half a binary.
    mkdir -p "$root/.stack/node"
    node_tmp=$(mktemp -d "$root/.stack/node/.install.XXXXXX")
    if ! npm install --prefix "$node_tmp" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --loglevel=error \
      "node-linux-$node_arch@$node_wanted" >&2; then
      rm -rf "$node_tmp"
      printf 'node: error: could not install node-linux-%s@%s from the npm registry (is it reachable? `npm view node-linux-%s@%s version` tells)\n' \
        "$node_arch" "$node_wanted" "$node_arch" "$node_wanted" >&2
      exit 1
    fi
    mv -T "$node_tmp" "$node_home" 2>/dev/null || rm -rf "$node_tmp" # another script won the race
  fi
  export PATH="$node_bin:$PATH"
  hash -r
fi
unset -f node_major

# Run as a command: print the line that sets PATH.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then printf 'export PATH=%q\n' "$PATH"; fi
