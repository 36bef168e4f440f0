#!/bin/sh
# The real-firmware targets need what this machine lacks (MicroPython checkout, esp-open-sdk,
# a serial port): each must stop at once with a message naming what is missing.
set -u
fails=0
expect() { # expect "<what the message must name>" make-args...
    want=$1; shift
    out=$(timeout 60 make --no-print-directory "$@" 2>&1); rc=$?
    if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q -- "$want"; then
        echo "ok   make $* -> $(printf '%s' "$out" | grep -- "$want" | head -1)"
    else
        echo "FAIL make $* (rc=$rc) did not stop naming '$want':"; printf '%s\n' "$out" | tail -5; fails=$((fails + 1))
    fi
}
empty=$(mktemp -d)
expect "MICROPY_DIR is not set" firmware MICROPY_DIR=
expect "has no ports/esp8266/Makefile" firmware MICROPY_DIR="$empty"
mkdir -p "$empty/ports/esp8266/boards" && touch "$empty/ports/esp8266/Makefile" "$empty/ports/esp8266/boards/esp8266_common.ld"
expect "NONOS SDK is not in the toolchain" firmware MICROPY_DIR="$empty"
expect "PORT is not set" deploy PORT=
expect "does not exist" deploy PORT=/dev/ttyUSB-none
expect "PORT is not set" test-board PORT=
expect "does not exist" test-board PORT=/dev/ttyUSB-none MICROPY_DIR="$empty"
rm -rf "$empty"
[ $fails -eq 0 ] && echo "failfast: the firmware targets stop at once and say what is missing" || exit 1
