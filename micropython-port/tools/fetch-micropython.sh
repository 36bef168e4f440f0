#!/usr/bin/env bash
# Resolve a MicroPython source tree and print its path on stdout.
# Order: $MICROPY_DIR if given; else a git clone of the pinned tag; else the PyPI sdist
# mpy-cross-v6.3==1.1.1 (MicroPython v1.23.0 py/ + shared/), checked against a pinned sha256.
set -euo pipefail
build=${1:-build}
tag=${MICROPY_TAG:-v1.24.1}
sdist_version=1.1.1
sdist_sha256=55414c358f5844c784e76d3b253cbd7af5f243ddd4c0b47a26d3875d628df300

if [ -n "${MICROPY_DIR:-}" ]; then
    [ -f "$MICROPY_DIR/py/mpconfig.h" ] || { echo "MICROPY_DIR=$MICROPY_DIR has no py/mpconfig.h" >&2; exit 1; }
    (cd "$MICROPY_DIR" && pwd); exit 0
fi

mkdir -p "$build"
git_dir="$build/micropython-$tag"
if [ -f "$git_dir/py/mpconfig.h" ]; then (cd "$git_dir" && pwd); exit 0; fi
sdist_dir="$build/micropython-sdist-$sdist_version/micropython"
if [ -f "$sdist_dir/py/mpconfig.h" ]; then (cd "$sdist_dir" && pwd); exit 0; fi

if [ "${USSL_OFFLINE:-}" != 1 ] && timeout 60 git clone -q --depth 1 --branch "$tag" \
        https://github.com/micropython/micropython "$git_dir.tmp" >/dev/null 2>&1; then
    mv "$git_dir.tmp" "$git_dir"; (cd "$git_dir" && pwd); exit 0
fi
rm -rf "$git_dir.tmp"

echo "fetch-micropython: git clone of $tag not possible here, using the PyPI sdist (v1.23.0 py/ + shared/)" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download -q --no-deps --no-binary :all: "mpy-cross-v6.3==$sdist_version" -d "$tmp" >&2
tarball=$(ls "$tmp"/*.tar.gz)
echo "$sdist_sha256  $tarball" | sha256sum -c --quiet - >&2 || { echo "fetch-micropython: sha256 mismatch for $tarball" >&2; exit 1; }
mkdir -p "$build/micropython-sdist-$sdist_version"
tar -xzf "$tarball" -C "$tmp"
cp -r "$tmp"/mpy_cross_v6_3-$sdist_version/micropython "$build/micropython-sdist-$sdist_version/"
(cd "$sdist_dir" && pwd)
