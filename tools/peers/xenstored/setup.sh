#!/bin/sh
# Copied from the shared peers kit (../shared/peers/xenstored/) so that CI needs nothing outside the repository.
# Unpacks Debian's Xenstore clients and reference daemons (C xenstored, oxenstored) into DIR,
# without installing them system-wide, and builds the LD_PRELOAD shim that lets the daemons run
# on a machine without Xen (only their Unix socket is usable). Usage: setup.sh DIR
set -eu
D=$(realpath -m "${1:?usage: setup.sh DIR}")
HERE=$(dirname "$(realpath "$0")")
mkdir -p "$D/debs" "$D/root"
cd "$D/debs"
if ! ls xen-utils-4.17_*.deb >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get download -qq xenstore-utils libxenstore4 libxen-dev xen-utils-4.17 libxenmisc4.17 \
    libxencall1 libxendevicemodel1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1 \
    libxentoolcore1 libxentoollog1 python3-pyxs >/dev/null
fi
for f in *.deb; do dpkg -x "$f" "$D/root"; done
command -v gcc >/dev/null || { apt-get install -y -qq gcc >/dev/null; }
gcc -O2 -shared -fPIC -I "$D/root/usr/include" -o "$D/xsshim.so" "$HERE/xsshim.c" -ldl
echo "ready: $D (clients in $D/root/usr/bin, daemons in $D/root/usr/lib/xen-4.17/bin)"
