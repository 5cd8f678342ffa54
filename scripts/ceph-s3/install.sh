#!/bin/bash
# Unpack Debian 12's Ceph monitor, OSD and S3 gateway (radosgw) with their dependencies into
# $CEPH_S3_ROOT (dpkg -x; no daemons are registered, nothing is started). Needs root for apt-get.
# Idempotent: returns at once when the stamp file of a finished install exists.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
stamp=$R/.icechunk-ts-installed
if [ -f "$stamp" ] && [ -x "$R/usr/bin/radosgw" ] && command -v python3 >/dev/null; then
  echo "ceph already unpacked in $R"; exit 0
fi
start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The `ceph` CLI (used once, for `ceph osd new`) is a python3 script: python3 itself must be on the system.
command -v python3 >/dev/null || apt-get install -y -qq --no-install-recommends python3 >/dev/null
debs=$(mktemp -d)
trap 'rm -rf "$debs"' EXIT
cd "$debs"
# Every package that a real install would add on this machine, downloaded (not installed).
pkgs=$(apt-get install -s --no-install-recommends $CEPH_S3_PACKAGES | awk '/^Inst/{print $2}')
# On a machine that already has some of them installed system-wide, the simulation omits those; force the core ones.
apt-get download $pkgs $CEPH_S3_PACKAGES ceph-common ceph-base python3-rados python3-ceph-argparse python3-ceph-common >/dev/null
rm -rf "$R"; mkdir -p "$R"
for f in *.deb; do dpkg -x "$f" "$R"; done
echo "$(ls *.deb | wc -l) packages" >"$stamp"
echo "ceph unpacked in $R ($(ls *.deb | wc -l) packages, $(( $(date +%s) - start )) s)"
