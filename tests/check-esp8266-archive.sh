#!/bin/sh
# Checks the ESP8266 (Xtensa LX106, call0 ABI) engine archive:
#  - GNU as printed no warnings (in particular none about literals) while assembling it;
#  - no windowed-ABI instruction (entry, retw, call4/8/12, callx4/8/12) in its code;
#  - it links (gc-sections) against a stub calling every ussl_* function;
# and prints the archive's and the linked engine's .text/.rodata/.data/.bss sizes.
# Usage: tests/check-esp8266-archive.sh ARCHIVE [AS_LOG]
set -eu
A=${1:-build/esp8266/libussl_engine.a}
LOG=${2:-}
P=${XTENSA_PREFIX:-xtensa-lx106-elf-}
fail=0
[ -s "$A" ] || { echo "FAIL: no archive $A"; exit 1; }

if [ -n "$LOG" ]; then
    if [ -s "$LOG" ]; then
        echo "FAIL: the assembler printed warnings/errors:"; head -20 "$LOG"; fail=1
    else
        echo "ok: assembler printed nothing"
    fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${P}objdump" -d "$A" > "$tmp/dis.txt"
# Instruction mnemonic is the third tab-separated field of objdump's disassembly lines.
awk -F'\t' 'NF >= 3 { split($3, m, " "); print m[1] }' "$tmp/dis.txt" | sort | uniq -c | sort -rn > "$tmp/mnemonics.txt"
n_insn=$(awk '{ s += $1 } END { print s + 0 }' "$tmp/mnemonics.txt")
bad=$(grep -E ' (entry|retw|retw\.n|call4|call8|call12|callx4|callx8|callx12)$' "$tmp/mnemonics.txt" || true)
if [ "$n_insn" -lt 1000 ]; then
    echo "FAIL: disassembly found only $n_insn instructions"; fail=1
elif [ -n "$bad" ]; then
    echo "FAIL: windowed-ABI instructions found:"; echo "$bad"; fail=1
else
    echo "ok: $n_insn instructions, no windowed-ABI instruction (call0 ABI only)"
fi

sizes() { # sum section sizes of an object/archive/ELF by kind
    "${P}size" -A "$1" | awk '
        $1 ~ /^\.(text|literal)/ || $1 ~ /\.literal$/ { t += $2; next }
        $1 ~ /^\.rodata/ { r += $2; next }
        $1 ~ /^\.data/ { d += $2; next }
        $1 ~ /^\.bss/ { b += $2; next }
        END { printf ".text(+literals) %d  .rodata %d  .data %d  .bss %d\n", t, r, d, b }'
}
echo "archive (everything, unlinked): $(sizes "$A")"

# Link check: a stub that references the whole API, garbage-collected.
cat > "$tmp/stub.c" <<'C'
#include <stddef.h>
#include <stdint.h>
#include "ussl_engine.h"
int32_t ussl_platform_entropy(uint8_t *buf, size_t len) { for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(i * 7 + 1); return 0; }
void abort(void) { for (;;) {} }
static uint64_t mem[16384 / 8];
static uint8_t rx[16640], tx[2048];
void _start(void) {
    UsslClientConfig cfg = { (const uint8_t *)"localhost", 9, 0, 0, 0 };
    UsslEngine *e;
    uint8_t b[64]; size_t n;
    ussl_client_new(mem, sizeof mem, rx, sizeof rx, tx, sizeof tx, &cfg, &e);
    ussl_feed(e, b, sizeof b); ussl_feed_eof(e);
    ussl_output(e, &n); ussl_output_consume(e, n);
    ussl_handshake(e); ussl_read(e, b, sizeof b); ussl_write(e, b, sizeof b);
    ussl_pending_plaintext(e); ussl_close(e); ussl_error_message(-1);
    ussl_pem_to_der(b, sizeof b); ussl_engine_size(); ussl_engine_align();
    ussl_min_rx_buffer(); ussl_min_tx_buffer(); ussl_handshake_mem_size(); ussl_handshake_mem_align();
    ussl_handshake_mem_in_use(e); ussl_engine_free(e);
    for (;;) {}
}
C
# Literal sections must stay in one input list with the code (l32r reaches backwards only).
cat > "$tmp/check.ld" <<'LD'
ENTRY(_start)
SECTIONS {
  .text 0x40200000 : { *(.literal .literal.* .rodata.*.literal .text .text.*) }
  .rodata : { *(.rodata .rodata.*) }
  .data : { *(.data .data.*) }
  .bss : { *(.bss .bss.* COMMON) }
}
LD
here=$(cd "$(dirname "$0")/.." && pwd)
if "${P}gcc" -Os -mlongcalls -mtext-section-literals -nostdlib -ffreestanding -I"$here/micropython-port/ussl" \
        -T "$tmp/check.ld" -Wl,--gc-sections -Wl,-z,noexecstack -o "$tmp/linked.elf" "$tmp/stub.c" "$A" -lgcc > "$tmp/link.log" 2>&1; then
    echo "ok: links with --gc-sections"
    echo "linked (stub + engine + core + compiler_builtins): $(sizes "$tmp/linked.elf")"
else
    echo "FAIL: link check:"; head -30 "$tmp/link.log"; fail=1
fi
exit $fail
