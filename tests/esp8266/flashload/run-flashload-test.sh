#!/bin/sh
# Builds and runs the flash-load emulation test on QEMU's lx106 (-M sim -cpu lx106).
#   sh tests/esp8266/flashload/run-flashload-test.sh <build dir>
set -e
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=${1:-build/esp8266/flashload}
mkdir -p "$out"
CC=${XTENSA_PREFIX:-xtensa-lx106-elf-}gcc
CFLAGS="-Os -Wall -Werror -ffreestanding -mlongcalls -mtext-section-literals -mforce-l32 -I$top/boards/ESP8266_USSL"
$CC $CFLAGS -c "$here/start.S" -o "$out/start.o"
$CC $CFLAGS -c "$here/flashload_test.c" -o "$out/flashload_test.o"
$CC $CFLAGS -c "$top/boards/ESP8266_USSL/ussl_flashload.c" -o "$out/ussl_flashload.o"
$CC -nostdlib -nostartfiles -T "$here/flashload.ld" -Wl,--no-warn-rwx-segments -o "$out/flashload.elf" \
    "$out/start.o" "$out/flashload_test.o" "$out/ussl_flashload.o"
timeout 60 qemu-system-xtensa -M sim -cpu lx106 -semihosting -display none -monitor none -serial none \
    -kernel "$out/flashload.elf"
