# Shared settings for the Ceph RGW test server scripts (sourced, not executed).
# CEPH_S3_ROOT: where the Debian .debs are unpacked (kept between runs; nothing is installed system-wide).
# CEPH_S3_RUN:  config, logs, pid files and the monitor store of the running cluster (wiped on every up).
CEPH_S3_ROOT=${CEPH_S3_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/icechunk-ts/ceph-root}
CEPH_S3_RUN=${CEPH_S3_RUN:-${TMPDIR:-/tmp}/icechunk-ts-ceph}
CEPH_S3_PORT=${CEPH_S3_PORT:-7480}
CEPH_S3_MON_PORT=${CEPH_S3_MON_PORT:-6789}
CEPH_S3_ACCESS_KEY=${CEPH_S3_ACCESS_KEY:-testkey}
CEPH_S3_SECRET_KEY=${CEPH_S3_SECRET_KEY:-testsecret}
CEPH_S3_PACKAGES="ceph-mon ceph-osd radosgw"
R=$CEPH_S3_ROOT
D=$CEPH_S3_RUN
ARCH_LIB=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
export LD_LIBRARY_PATH=$R/usr/lib/$ARCH_LIB:$R/usr/lib/$ARCH_LIB/ceph:$R/lib/$ARCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PYTHONPATH=$R/usr/lib/python3/dist-packages
export CEPH_CONF=$D/ceph.conf
