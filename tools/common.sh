# Sourced by the tools' entry scripts: repo root as cwd, Nx kept offline, and message helpers
# prefixed with the calling tool's name (set TOOL before sourcing).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false NX_CLOUD_API=http://127.0.0.1:9 CHECKPOINT_DISABLE=1
started=$(date +%s)
say() { printf '%s: %s\n' "$TOOL" "$*" >&2; }
die() { printf '%s: error: %s\n' "$TOOL" "$*" >&2; exit 1; }
# Node.js of .nvmrc first on PATH (installed into .stack/node when the machine's is older).
source "$root/tools/node.sh"
