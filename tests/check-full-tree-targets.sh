#!/bin/sh
# The full-tree targets (make unix / test-upstream / test-upstream-board) need a whole MicroPython
# checkout, which CI does not have: check that without one they stop at once, with a message
# that says what is missing, instead of half-building or reporting success.
set -u
cd "$(dirname "$0")/.."
fails=0
expect_refusal() { # target, MICROPY_DIR value, text the message must contain
    out=$(make --no-print-directory "$1" MICROPY_DIR="$2" 2>&1)
    rc=$?
    if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "$3"; then
        echo "PASS make $1 MICROPY_DIR='$2' refuses: $(printf '%s' "$out" | grep -m1 "$3" | cut -c1-100)"
    else
        echo "FAIL make $1 MICROPY_DIR='$2' (exit $rc): $out"
        fails=$((fails + 1))
    fi
}
fake=$(mktemp -d)
mkdir -p "$fake/py" && touch "$fake/py/mpconfig.h"   # py/ only, like the fetched sdist
expect_refusal unix "" "MICROPY_DIR is not set"
expect_refusal unix "$fake" "not a full MicroPython checkout"
expect_refusal test-upstream "" "MICROPY_DIR is not set"
expect_refusal test-upstream "$fake" "missing ports/unix/Makefile"
expect_refusal test-upstream-board "" "MICROPY_DIR is not set"
rm -rf "$fake"
echo "$((5 - fails)) passed, $fails failed"
[ $fails -eq 0 ]
