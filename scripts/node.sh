#!/usr/bin/env bash
# Runs a command under another Node major version, installed from the npm registry package
# node-<platform>-<arch>@<major> (it carries the binary) into ~/.cache/icechunk-ts/node-<major>
# on first use. Child processes find that node first on PATH, so spawned tools run on it too.
#   bash scripts/node.sh 24 pnpm vitest run     # the whole test suite on Node 24
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:?usage: scripts/node.sh <major> <command> [args...]}"
shift
pkg="node-$(node -p 'process.platform + "-" + process.arch')"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/icechunk-ts/node-$major"
bin="$dir/node_modules/$pkg/bin"
is_major() { "$bin/node" -e "process.exit(process.versions.node.split('.')[0] === '$major' ? 0 : 1)" 2>/dev/null; }
if ! is_major; then
  echo "installing Node $major ($pkg@$major from the npm registry) into $dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$pkg@$major"
  is_major || { echo "$bin/node is not Node $major" >&2; exit 1; }
fi
export PATH="$bin:$PATH" ICECHUNK_TS_NODE="$major"
echo "on Node $(node -v): $*"
exec "$@"
