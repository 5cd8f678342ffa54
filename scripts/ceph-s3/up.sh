#!/bin/bash
# Start a single-node Ceph cluster (mon + memstore OSD + radosgw) on 127.0.0.1 from the packages
# unpacked by install.sh, create the S3 user, and wait until the gateway answers.
# Idempotent: when the gateway already answers and our daemons run, does nothing.
# Data lives in memory (memstore): every fresh start is an empty cluster.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
[ -x "$R/usr/bin/radosgw" ] || { echo "ceph is not unpacked in $R: run $here/install.sh first" >&2; exit 1; }
endpoint=http://127.0.0.1:$CEPH_S3_PORT

http_ready() {
  python3 - "$endpoint" <<'PY' >/dev/null 2>&1
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
PY
}
daemons_alive() {
  local n
  for n in mon.a osd.0 client.rgw.a; do
    [ -f "$D/run/$n.pid" ] && kill -0 "$(cat "$D/run/$n.pid")" 2>/dev/null || return 1
  done
}
if daemons_alive && http_ready && [ -f "$D/ready" ]; then
  echo "rgw already up on $endpoint"; exit 0
fi
# Partially up (or stale): stop what is ours and start clean.
"$here/down.sh" >/dev/null 2>&1 || true
start=$EPOCHREALTIME
rm -rf "$D"; mkdir -p "$D/mon.a" "$D/osd.0" "$D/run" "$D/log" "$D/rgw"
FSID=$(cat /proc/sys/kernel/random/uuid)
cat >"$CEPH_CONF" <<CONF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$CEPH_S3_MON_PORT
public addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = $D/run
pid file = $D/run/\$name.pid
log file = $D/log/\$name.log
admin socket = $D/run/\$name.asok
plugin dir = $R/usr/lib/$ARCH_LIB/ceph
erasure code dir = $R/usr/lib/$ARCH_LIB/ceph/erasure-code
osd class dir = $R/usr/lib/$ARCH_LIB/rados-classes
osd class load list = *
osd class default list = *
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
[mon.a]
mon data = $D/mon.a
[osd.0]
osd data = $D/osd.0
osd objectstore = memstore
memstore device bytes = 2147483648
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$CEPH_S3_PORT
rgw data = $D/rgw
rgw thread pool size = 64
CONF
ceph() { timeout 30 python3 "$R/usr/bin/ceph" -c "$CEPH_CONF" "$@"; }
"$R/usr/bin/monmaptool" --create --clobber --fsid "$FSID" --addv a "v1:127.0.0.1:$CEPH_S3_MON_PORT" "$D/monmap" >/dev/null
"$R/usr/bin/ceph-mon" --mkfs -i a --monmap "$D/monmap" -c "$CEPH_CONF"
"$R/usr/bin/ceph-mon" -i a -c "$CEPH_CONF"
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
ceph osd new "$OSD_UUID" 0 >/dev/null
"$R/usr/bin/ceph-osd" -i 0 --mkfs --osd-uuid "$OSD_UUID" -c "$CEPH_CONF" 2>/dev/null
# A freshly started monitor sometimes rejects the OSD's first command ("wrong fsid") and the OSD
# exits during init; starting it again a moment later works.
started=0
for _ in 1 2 3 4 5 6; do
  if "$R/usr/bin/ceph-osd" -i 0 -c "$CEPH_CONF" 2>>"$D/log/osd-start.err"; then started=1; break; fi
  sleep 1
done
[ $started = 1 ] || { echo "osd.0 failed to start; see $D/log/osd.0.log" >&2; exit 1; }
up=0
for _ in $(seq 1 120); do
  if ceph osd stat 2>/dev/null | grep -q "1 up"; then up=1; break; fi
  sleep 0.5
done
[ $up = 1 ] || { echo "osd.0 did not come up; see $D/log/osd.0.log" >&2; exit 1; }
"$R/usr/bin/radosgw" -n client.rgw.a -c "$CEPH_CONF"
up=0
for _ in $(seq 1 240); do
  if http_ready; then up=1; break; fi
  sleep 0.5
done
[ $up = 1 ] || { echo "radosgw did not answer on $endpoint; see $D/log/client.rgw.a.log" >&2; exit 1; }
"$R/usr/bin/radosgw-admin" -c "$CEPH_CONF" user create --uid=test --display-name=test \
  --access-key="$CEPH_S3_ACCESS_KEY" --secret="$CEPH_S3_SECRET_KEY" >/dev/null
touch "$D/ready"
awk -v s="$start" -v e="$EPOCHREALTIME" -v u="$endpoint" -v k="$CEPH_S3_ACCESS_KEY" 'BEGIN { printf "rgw up on %s (access key %s) in %.1f s\n", u, k, e - s }'
