#!/bin/sh
# Fetches BearSSL's source from Debian bookworm into DIR (default build/bearssl-src) at bench
# time; nothing of it is committed. Adds a deb-src entry for bookworm in a file of its own
# (/etc/apt/sources.list.d/ussl-bench-deb-src.sources) when no deb-src line names bookworm,
# runs apt-get update, then `apt-get source bearssl`. Prints the source tree's path.
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
has_src() {
    grep -rqsE '^(deb-src[[:space:]].*bookworm|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}
if ! has_src; then
    [ "$(id -u)" = 0 ] || fail "no deb-src entry for bookworm and not root: cannot add one"
    cat > /etc/apt/sources.list.d/ussl-bench-deb-src.sources <<'SRC'
# Added by ussl's tests/bench/bearssl/fetch-bearssl.sh (BearSSL's source for make bench).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    apt-get update -qq >&2 || fail "apt-get update failed (deb-src for bookworm unreachable?)"
fi
command -v dpkg-source >/dev/null || fail "dpkg-source missing (Debian package dpkg-dev)"
(cd "$DIR" && apt-get source -qq bearssl >&2) || {
    apt-get update -qq >&2 || true
    (cd "$DIR" && apt-get source -qq bearssl >&2) || fail "apt-get source bearssl failed"
}
tree=$(ls -d "$DIR"/bearssl-*/ 2>/dev/null | head -n 1 || true)
[ -n "$tree" ] && [ -f "$tree/inc/bearssl.h" ] || fail "no BearSSL tree with inc/bearssl.h under $DIR"
echo "${tree%/}"
