#!/bin/sh
# Copied from the shared peers kit (../shared/peers/xenstored/) so that CI needs nothing outside the repository.
# Starts a reference Xenstore daemon in the foreground, its socket at RUNDIR/socket.
# Usage: start-daemon.sh DIR c|ocaml RUNDIR   (DIR as given to setup.sh)
set -eu
D=$(realpath -m "$1"); KIND=$2; RUN=$(realpath -m "$3")
mkdir -p "$RUN"
export LD_LIBRARY_PATH="$D/root/usr/lib/x86_64-linux-gnu" LD_PRELOAD="$D/xsshim.so"
export XSSHIM_DIR="$RUN" XSSHIM_RUNDIR="$RUN" XENSTORED_RUNDIR="$RUN"
BIN="$D/root/usr/lib/xen-4.17/bin"
case "$KIND" in
  c) exec "$BIN/xenstored" -N -F "$RUN/pid" ;;
  ocaml)
    cat > "$RUN/oxenstored.conf" <<CONF
pid-file = $RUN/oxenstored.pid
merge-activate = true
perms-activate = true
quota-activate = true
persistent = false
xenstored-log-file = $RUN/xenstored.log
access-log-file = $RUN/access.log
xenstored-kva = $RUN/xsd_kva
xenstored-port = $RUN/xsd_port
CONF
    exec "$BIN/oxenstored" --no-fork --no-domain-init --no-access-log --config-file "$RUN/oxenstored.conf" ;;
  *) echo "kind must be c or ocaml" >&2; exit 2 ;;
esac
