// Tests of boards/ESP8266_USSL/ussl_flashload.c on QEMU's lx106 (see run-flashload-test.sh).
//  1. real instructions: l8ui/l16ui/l16si on the flash mapping (0x40200000..) through the
//     SDK-shaped exception vector in start.S. QEMU may or may not raise LoadStoreError for
//     them (the chip does); the test reports which and checks the values either way.
//  2. synthetic frames: every load form x target register x base register x pc alignment,
//     encoded into RAM and handed to ussl_flashload_emulate() with the address the CPU would
//     report, checking the written register (zero/sign extension), pc + 3 and that nothing
//     else changed; stores, other loads, a1 as target, non-flash addresses and a wrong
//     EXCVADDR must be refused.
#include <stddef.h>
#include <stdint.h>
#include "ussl_flashload.h"

static int32_t simcall3(int32_t nr, int32_t a, int32_t b, int32_t c) {
    register int32_t a2 __asm__("a2") = nr;
    register int32_t a3 __asm__("a3") = a;
    register int32_t a4 __asm__("a4") = b;
    register int32_t a5 __asm__("a5") = c;
    __asm__ volatile ("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
    return a2;
}

static void put(const char *s) {
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    simcall3(4, 1, (int32_t)(uintptr_t)s, (int32_t)n);
}

static void put_hex(uint32_t v) {
    char b[11] = "0x";
    for (int i = 0; i < 8; i++) {
        uint32_t d = (v >> (28 - 4 * i)) & 0xf;
        b[2 + i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    }
    b[10] = 0;
    put(b);
}

static void put_dec(uint32_t v) {
    static const uint32_t pow10[10] = {1000000000u, 100000000u, 10000000u, 1000000u, 100000u, 10000u, 1000u, 100u, 10u, 1u};
    char b[11];
    int n = 0;
    for (int i = 0; i < 10; i++) {
        char d = '0';
        while (v >= pow10[i]) { // no divider on the lx106: subtract
            v -= pow10[i];
            d++;
        }
        if (d != '0' || n > 0 || i == 9) {
            b[n++] = d;
        }
    }
    b[n] = 0;
    put(b);
}

// Test pattern in flash: byte i = (i * 37 + 11) mod 256.
#define PB(i) ((uint32_t)(((i) * 37 + 11) & 0xff))
#define PW(w) (PB(4 * (w)) | PB(4 * (w) + 1) << 8 | PB(4 * (w) + 2) << 16 | PB(4 * (w) + 3) << 24)
#define PW4(w) PW(w), PW((w) + 1), PW((w) + 2), PW((w) + 3)
static const uint32_t pattern[32] __attribute__((aligned(4))) = {
    PW4(0), PW4(4), PW4(8), PW4(12), PW4(16), PW4(20), PW4(24), PW4(28),
};

// gcc may emit calls to these for struct copies and array initialisers.
void *memcpy(void *d, const void *s, size_t n) {
    uint8_t *dp = d;
    const uint8_t *sp = s;
    while (n--) {
        *dp++ = *sp++;
    }
    return d;
}

void *memset(void *d, int c, size_t n) {
    uint8_t *dp = d;
    while (n--) {
        *dp++ = (uint8_t)c;
    }
    return d;
}

static uint32_t expect_load(uint32_t op, uint32_t addr) {
    uint32_t i = addr - (uint32_t)(uintptr_t)pattern;
    if (op == 0) {
        return PB(i);
    }
    i &= ~1u;
    uint32_t v = PB(i) | PB(i + 1) << 8;
    return (op == 9 && (v & 0x8000u)) ? (v | 0xffff0000u) : v;
}

static volatile uint32_t handled, unexpected;

// Called by the vector in start.S with the SDK-shaped frame.
void flashload_test_exception(ussl_exc_frame_t *frame, uint32_t cause, uint32_t vaddr) {
    if (cause == USSL_EXCCAUSE_LOAD_STORE && ussl_flashload_emulate(frame, vaddr)) {
        handled++;
        return;
    }
    put("unexpected exception cause ");
    put_hex(cause);
    put(" pc ");
    put_hex(frame->pc);
    put("\n");
    unexpected++;
    frame->pc += 3; // skip it so that the test can report
}

static uint32_t failures, cases;

static void check(int ok, const char *what, uint32_t a, uint32_t b) {
    cases++;
    if (!ok) {
        failures++;
        if (failures <= 20) {
            put("FAIL ");
            put(what);
            put(" ");
            put_hex(a);
            put(" ");
            put_hex(b);
            put("\n");
        }
    }
}

static void real_instructions(void) {
    const uint8_t *p = (const uint8_t *)pattern;
    uint32_t v;
    for (uint32_t off = 0; off < 8; off++) {
        __asm__ volatile ("l8ui %0, %1, 0" : "=r"(v) : "r"(p + off) : "memory");
        check(v == expect_load(0, (uint32_t)(uintptr_t)(p + off)), "real l8ui", off, v);
        __asm__ volatile ("l16ui %0, %1, 0" : "=r"(v) : "r"(p + (off & ~1u)) : "memory");
        check(v == expect_load(1, (uint32_t)(uintptr_t)(p + off)), "real l16ui", off, v);
        __asm__ volatile ("l16si %0, %1, 0" : "=r"(v) : "r"(p + (off & ~1u)) : "memory");
        check(v == expect_load(9, (uint32_t)(uintptr_t)(p + off)), "real l16si", off, v);
    }
}

static uint8_t code[16] __attribute__((aligned(4)));

static void place(uint32_t k, uint32_t insn) {
    for (int i = 0; i < 16; i++) {
        code[i] = 0;
    }
    code[k] = (uint8_t)insn;
    code[k + 1] = (uint8_t)(insn >> 8);
    code[k + 2] = (uint8_t)(insn >> 16);
}

static uint32_t reg_of(const ussl_exc_frame_t *f, uint32_t r) {
    return r == 0 ? f->a0 : f->a2_15[r - 2];
}

static void init_frame(ussl_exc_frame_t *f, uint32_t pc) {
    f->pc = pc;
    f->ps = 0x30;
    f->sar = 7;
    f->vpri = 0;
    f->a0 = 0x5a5a0000u;
    for (uint32_t r = 2; r < 16; r++) {
        f->a2_15[r - 2] = 0x5a5a0000u | r;
    }
}

static void synthetic_frames(void) {
    static const uint32_t ops[3] = {0x0, 0x1, 0x9}; // l8ui, l16ui, l16si
    uint32_t base_flash = (uint32_t)(uintptr_t)pattern;
    for (uint32_t o = 0; o < 3; o++) {
        uint32_t op = ops[o];
        uint32_t scale = op == 0 ? 1 : 2;
        for (uint32_t at = 0; at < 16; at++) {
            for (uint32_t as = 0; as < 16; as++) {
                for (uint32_t k = 0; k < 4; k++) {
                    ussl_exc_frame_t f;
                    uint32_t pc = (uint32_t)(uintptr_t)code + k;
                    init_frame(&f, pc);
                    uint32_t imm8 = (k * 13 + at * 7 + as) & 0x3f;
                    uint32_t addr = base_flash + 4 + ((at * 5 + as * 3 + k) & 0x3f);
                    uint32_t base = addr - imm8 * scale;
                    if (as == 0) {
                        f.a0 = base;
                    } else if (as >= 2) {
                        f.a2_15[as - 2] = base;
                    } else {
                        addr = (uint32_t)(uintptr_t)&f + USSL_EXC_FRAME_SIZE + imm8 * scale; // a1: the stack, not flash
                    }
                    place(k, 0x2u | at << 4 | as << 8 | op << 12 | imm8 << 16);
                    ussl_exc_frame_t before = f;
                    int ok = ussl_flashload_emulate(&f, addr);
                    int want = at != 1 && as != 1;
                    check(ok == want, "accept", op << 8 | at << 4 | as, k);
                    if (!ok) {
                        check(f.pc == before.pc && f.a0 == before.a0, "refused frame untouched", op, at);
                        continue;
                    }
                    check(f.pc == pc + 3, "pc advanced", f.pc, pc);
                    check(reg_of(&f, at) == expect_load(op, addr), "value", op << 8 | at << 4 | as, reg_of(&f, at));
                    for (uint32_t r = 0; r < 16; r++) {
                        if (r != 1 && r != at) {
                            check(reg_of(&f, r) == reg_of(&before, r), "other register kept", r, reg_of(&f, r));
                        }
                    }
                    check(f.ps == before.ps && f.sar == before.sar, "ps/sar kept", f.ps, f.sar);
                }
            }
        }
    }
    // Refusals: stores, 32-bit loads, other opcodes, non-flash addresses, a wrong EXCVADDR.
    static const uint32_t refused_ops[4] = {0x2, 0x4, 0x5, 0x6}; // l32i s8i s16i s32i
    for (uint32_t i = 0; i < 4; i++) {
        ussl_exc_frame_t f;
        init_frame(&f, (uint32_t)(uintptr_t)code);
        f.a2_15[3 - 2] = base_flash;
        place(0, 0x2u | 4u << 4 | 3u << 8 | refused_ops[i] << 12);
        check(!ussl_flashload_emulate(&f, base_flash), "refuse op", refused_ops[i], 0);
    }
    ussl_exc_frame_t f;
    init_frame(&f, (uint32_t)(uintptr_t)code);
    place(0, 0x0u | 4u << 4 | 3u << 8); // op0 = 0 (not a load/store)
    check(!ussl_flashload_emulate(&f, base_flash), "refuse op0", 0, 0);
    place(0, 0x2u | 4u << 4 | 3u << 8); // l8ui a4, a3, 0
    f.a2_15[3 - 2] = 0x3ffe9000u;     // DRAM: not ours to emulate
    check(!ussl_flashload_emulate(&f, 0x3ffe9000u), "refuse dram", 0, 0);
    f.a2_15[3 - 2] = base_flash + 5;
    check(!ussl_flashload_emulate(&f, base_flash + 9), "refuse wrong excvaddr", 0, 0);
    check(ussl_flashload_emulate(&f, base_flash + 5) && f.a2_15[4 - 2] == PB(5), "accept right excvaddr", f.a2_15[2], 0);
}

int main(void) {
    real_instructions();
    uint32_t faults = handled;
    put("flashload: QEMU ");
    put(faults ? "raised" : "did not raise");
    put(" LoadStoreError for byte/half-word loads from irom0 (");
    put_dec(faults);
    put(" of 24 emulated; values checked either way)\n");
    synthetic_frames();
    put("flashload: ");
    put_dec(cases);
    put(" checks, ");
    put_dec(failures);
    put(" failures, ");
    put_dec(unexpected);
    put(" unexpected exceptions\n");
    return failures || unexpected ? 1 : 0;
}
