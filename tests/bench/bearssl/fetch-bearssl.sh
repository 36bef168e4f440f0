#!/bin/sh
# Fetches BearSSL's source from Debian bookworm into DIR (default build/bearssl-src) at bench
# time; nothing of it is committed. When apt knows no source package bearssl, adds a deb-src
# entry for bookworm in a file of its own (/etc/apt/sources.list.d/ussl-bench-deb-src.sources)
# and runs apt-get update; then `apt-get source bearssl`. Prints the source tree's path.
# Fails with a message (exit 1) when that cannot be done: the bench then reports no BearSSL figures.
set -eu
DIR=${1:-build/bearssl-src}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
tree=$(ls -d "$DIR"/bearssl-*/ 2>/dev/null | head -n 1 || true)
if [ -n "$tree" ] && [ -f "$tree/inc/bearssl.h" ]; then
    echo "${tree%/}"
    exit 0
fi
fail() { echo "fetch-bearssl: $*" >&2; exit 1; }
# Source entries already known to apt (any deb-src line that offers bearssl)?
has_src() { apt-cache showsrc bearssl 2>/dev/null | grep -q '^Package: bearssl'; }
if ! has_src; then
    list=/etc/apt/sources.list.d/ussl-bench-deb-src.sources
    if [ ! -f "$list" ]; then
        [ "$(id -u)" = 0 ] || fail "apt knows no deb-src entry offering bearssl and this is not root: cannot add $list"
        cat > "$list" <<'SRC'
# Added by ussl's tests/bench/bearssl/fetch-bearssl.sh (BearSSL's source for make bench).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    fi
    apt-get update -qq >&2 || fail "apt-get update failed (deb.debian.org unreachable?)"
    has_src || fail "no source package bearssl after adding $list and apt-get update"
fi
command -v dpkg-source >/dev/null || fail "dpkg-source missing (Debian package dpkg-dev)"
(cd "$DIR" && apt-get source -qq bearssl >&2) || fail "apt-get source bearssl failed"
tree=$(ls -d "$DIR"/bearssl-*/ 2>/dev/null | head -n 1 || true)
[ -n "$tree" ] && [ -f "$tree/inc/bearssl.h" ] || fail "no BearSSL tree with inc/bearssl.h under $DIR"
echo "${tree%/}"
