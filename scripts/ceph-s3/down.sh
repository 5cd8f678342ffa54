#!/bin/bash
# Stop the daemons started by up.sh: one PID at a time, taken from our own pid files.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
pids=()
for n in client.rgw.a osd.0 mon.a; do
  f=$D/run/$n.pid
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then kill "$pid"; pids+=("$pid"); fi
done
for _ in $(seq 1 40); do
  alive=0
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break
  sleep 0.25
done
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && kill -9 "$pid"; done
rm -f "$D/ready"
echo "ceph stopped (${#pids[@]} daemons)"
