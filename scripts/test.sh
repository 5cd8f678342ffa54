#!/usr/bin/env bash
# The whole test suite, as `pnpm test` runs it: makes sure the test tools are present (the `zstd`
# CLI as the reference codec, Debian's Chromium for the browser test, Debian's
# `redis-server` for the BullMQ test, which starts its own; Ceph's S3 gateway as the real
# S3 server), starts the S3 server, type-checks, lints, and runs every vitest test: on the machine's
# Node, then again on Node 24 (the current LTS; scripts/node.sh installs it from the npm registry)
# against the same S3 server.
# Installing Debian packages needs root (apt-get); CI runs as root. Set S3_ENDPOINT to use another
# running S3 server instead of the local Ceph gateway.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v zstd >/dev/null || need+=(zstd)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v cc >/dev/null || need+=(gcc libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ -z "${S3_ENDPOINT:-}" ]; then
  bash scripts/ceph-s3/install.sh
  bash scripts/ceph-s3/up.sh
  trap 'bash scripts/ceph-s3/down.sh >/dev/null 2>&1 || true' EXIT
fi

pnpm typecheck
pnpm biome check .
pnpm run docs  # reference docs (typedoc, warnings are errors) into dist/docs
pnpm vitest run "$@"
bash scripts/node.sh 24 pnpm vitest run "$@"
