// Emulated ESP8266 board (QEMU -M sim -cpu lx106): MicroPython main loop, console over
// semihosting, GC root scanning, stack guard, fatal-error paths.
#include <stdint.h>
#include <string.h>

#include "py/compile.h"
#include "py/runtime.h"
#include "py/gc.h"
#include "py/mperrno.h"
#include "py/stackctrl.h"
#include "py/mphal.h"
#include "py/stream.h"
#include "py/builtin.h"
#include "py/lexer.h"
#include "shared/runtime/pyexec.h"
#include "shared/readline/readline.h"
#include "lx106.h"
#include "semihost.h"

static char heap[LX106_HEAP_SIZE] __attribute__((aligned(8)));

// ---------------------------------------------------------------------------------------
// Time: CCOUNT runs at 40 MHz of virtual time (1 instruction = 1 ns with -icount shift=0).

static uint32_t ccount_hi, ccount_last;
static uint64_t sleep_offset_us;

uint64_t lx106_ccount64(void) {
    uint32_t c = lx106_ccount();
    if (c < ccount_last) {
        ccount_hi++;
    }
    ccount_last = c;
    return ((uint64_t)ccount_hi << 32) | c;
}

static uint64_t div40(uint64_t v) {
    // 64-bit division without __udivdi3: v / 40 = (v / 8) / 5, done on 32-bit halves.
    v >>= 3;
    uint32_t hi = (uint32_t)(v >> 32), lo = (uint32_t)v;
    uint32_t qhi = hi / 5, r = hi % 5;
    // (r * 2^32 + lo) / 5 in two 16-bit steps.
    uint32_t t = (r << 16) | (lo >> 16);
    uint32_t q1 = t / 5;
    r = t % 5;
    t = (r << 16) | (lo & 0xffff);
    uint32_t q0 = t / 5;
    return ((uint64_t)qhi << 32) | (q1 << 16) | q0;
}

uint64_t lx106_time_us(void) {
    return div40(lx106_ccount64()) + sleep_offset_us;
}

void lx106_sleep_us(uint64_t us) {
    // Under -icount sleep=off nothing else runs while we wait: advance the virtual clock the
    // time functions report instead of spinning (deterministic, and cheap to emulate).
    sleep_offset_us += us;
}

mp_uint_t mp_hal_ticks_us(void) {
    return (mp_uint_t)lx106_time_us();
}

mp_uint_t mp_hal_ticks_ms(void) {
    uint64_t us = lx106_time_us();
    // us / 1000 = (us / 8) / 125 on 32-bit pieces.
    us >>= 3;
    uint32_t hi = (uint32_t)(us >> 32), lo = (uint32_t)us;
    uint32_t r = hi % 125;
    uint32_t t = (r << 16) | (lo >> 16);
    uint32_t q1 = t / 125;
    r = t % 125;
    t = (r << 16) | (lo & 0xffff);
    return (q1 << 16) | (t / 125);
}

void mp_hal_delay_us(mp_uint_t us) {
    lx106_sleep_us(us);
}

void mp_hal_delay_ms(mp_uint_t ms) {
    lx106_sleep_us((uint64_t)ms * 1000);
}

uint64_t mp_hal_time_ns(void) {
    return lx106_time_us() * 1000;
}

// ---------------------------------------------------------------------------------------
// Console: semihosting fd 0/1. EOF on stdin ends the session.

int mp_hal_stdin_rx_chr(void) {
    unsigned char c;
    int32_t n = semi_read(0, &c, 1);
    if (n <= 0) {
        lx106_shutdown(0);
    }
    return c;
}

mp_uint_t mp_hal_stdout_tx_strn(const char *str, size_t len) {
    if (semi_write_all(1, str, len) < 0) {
        return 0;
    }
    return len;
}

uintptr_t mp_hal_stdio_poll(uintptr_t poll_flags) {
    // stdout is always writable; stdin readiness cannot be probed through semihosting.
    return poll_flags & MP_STREAM_POLL_WR;
}

// ---------------------------------------------------------------------------------------
// C stack: 8 KiB painted at reset, guarded below by 64 bytes watched by DBREAK0. While the
// TLS engine runs on its own stack (engine_stack.c), DBREAK0 watches that stack's guard.

static bool guard_enabled = true;
static uint32_t *guard_watched = _stack_guard;

static bool is_guard_word(const uint32_t *p) {
    return *p == LX106_GUARD_WORD
           && ((p >= _stack_guard && p < _stack_bottom) || (p >= _engine_stack_guard && p < _engine_stack_bottom));
}

// Deepest stack use: the lowest word that is not paint any more, searched from the bottom of
// the painted zone below the guard (the guard words themselves never hold paint).
size_t lx106_stack_peak(void) {
    const uint32_t *p = _stack_overflow_zone;
    while (p < _stack_top && (*p == LX106_STACK_PAINT || is_guard_word(p))) {
        p++;
    }
    return (size_t)((uintptr_t)_stack_top - (uintptr_t)p);
}

size_t lx106_stack_used(void) {
    uint32_t sp;
    __asm__ volatile ("mov %0, a1" : "=r" (sp));
    return (uintptr_t)_stack_top - sp;
}

static void guard_arm(void);
static void guard_disarm(void);

void lx106_stack_reset_peak(void) {
    uint32_t sp;
    __asm__ volatile ("mov %0, a1" : "=r" (sp));
    guard_disarm();
    // Leave 64 bytes below sp alone (this function's callees are leaves without frames here).
    for (uint32_t *p = _stack_overflow_zone; (uintptr_t)p < sp - 64; p++) {
        *p = ((p >= _stack_guard && p < _stack_bottom) || (p >= _engine_stack_guard && p < _engine_stack_bottom))
            ? LX106_GUARD_WORD : LX106_STACK_PAINT;
    }
    guard_arm();
}

static void guard_arm(void) {
    if (!guard_enabled) {
        return;
    }
    // DBREAKA0/DBREAKC0: break on stores (bit 31) anywhere in the 64-byte guard (MASK field
    // 0 = ignore the low 6 address bits). Loads are allowed: stack_peak() reads the guard.
    // PS.INTLEVEL is 1 < DEBUGLEVEL 2, so the debug exception is taken.
    uint32_t a = (uint32_t)(uintptr_t)guard_watched;
    uint32_t c = 0x80000000u;
    __asm__ volatile ("wsr %0, dbreaka0\n\twsr %1, dbreakc0\n\tdsync" : : "r" (a), "r" (c));
}

static void guard_disarm(void) {
    uint32_t c = 0;
    __asm__ volatile ("wsr %0, dbreakc0\n\tdsync" : : "r" (c));
}

bool lx106_guard_enabled(void) {
    return guard_enabled;
}

// Moves the DBREAK watch to another 64-byte guard (the engine stack's, or back).
void lx106_guard_watch(uint32_t *guard) {
    guard_watched = guard;
    if (guard_enabled) {
        guard_arm();
    }
}

void lx106_stack_guard_check(void) {
    if (!guard_enabled) {
        return;
    }
    guard_disarm();
    for (int i = 0; i < LX106_STACK_GUARD_SIZE / 4; i++) {
        if (_stack_guard[i] != LX106_GUARD_WORD) {
            lx106_fatal("C stack overflow: guard words below the 8 KiB stack were overwritten", LX106_EXIT_STACK);
        }
    }
    if (_stack_bottom[0] != LX106_STACK_PAINT || *(volatile uint32_t *)((uintptr_t)_stack_guard - 4) != LX106_STACK_PAINT) {
        lx106_fatal("C stack overflow: the 8 KiB stack was used up", LX106_EXIT_STACK);
    }
    guard_arm();
}

void lx106_stack_guard_enable(int on) {
    guard_disarm();
    if (on) {
        // Re-arming after a run without the guard: restore the guard words first.
        for (int i = 0; i < LX106_STACK_GUARD_SIZE / 4; i++) {
            _stack_guard[i] = LX106_GUARD_WORD;
            _engine_stack_guard[i] = LX106_GUARD_WORD;
        }
    }
    guard_enabled = on;
    guard_arm();
}

// ---------------------------------------------------------------------------------------
// Fatal paths.

static void print_stats(void) {
    uint64_t cc = lx106_ccount64();
    // Private OSC escape (ignored by terminals) that boards/qemu_lx106/run.py picks up.
    semi_puts(1, "\x1b]lx106;ccount=");
    semi_put_dec(1, cc);
    semi_puts(1, ";stack_peak=");
    semi_put_dec(1, lx106_stack_peak());
    semi_puts(1, ";engine_stack_peak=");
    semi_put_dec(1, lx106_engine_stack_peak());
    semi_puts(1, ";engine_stack_size=");
    semi_put_dec(1, LX106_ENGINE_STACK_SIZE);
    semi_puts(1, "\x07");
}

void lx106_shutdown(int code) {
    if (lx106_stack_peak() > LX106_STACK_SIZE) {
        semi_puts(2, "\r\n*** lx106: the C stack grew beyond its 8 KiB (guard disabled): peak ");
        semi_put_dec(2, lx106_stack_peak());
        semi_puts(2, " bytes\r\n");
    }
    print_stats();
    semi_exit(code);
}

void lx106_fatal(const char *msg, int code) {
    guard_disarm();
    semi_puts(2, "\r\n*** lx106 FATAL: ");
    semi_puts(2, msg);
    semi_puts(2, "\r\n");
    print_stats();
    semi_exit(code);
}

// Called from the exception vectors on a private stack (startup.S).
void lx106_fatal_exception(uint32_t kind, uint32_t cause, uint32_t pc, uint32_t vaddr, uint32_t sp) {
    static const char *const kinds[] = {"user", "kernel", "debug", "NMI", "double"};
    guard_disarm();
    if (kind == 2 && (cause & 0x4)) {
        // DEBUGCAUSE.DBREAK: something touched the guard below the stack.
        semi_puts(2, guard_watched == _stack_guard
            ? "\r\n*** lx106 FATAL: C stack overflow (DBREAK guard hit) pc="
            : "\r\n*** lx106 FATAL: TLS engine stack overflow (DBREAK guard hit) pc=");
        semi_put_hex(2, pc);
        semi_puts(2, " sp=");
        semi_put_hex(2, sp);
        semi_puts(2, "\r\n");
        print_stats();
        semi_exit(LX106_EXIT_STACK);
    }
    semi_puts(2, "\r\n*** lx106 FATAL: ");
    semi_puts(2, kind < 5 ? kinds[kind] : "?");
    semi_puts(2, " exception cause=");
    semi_put_dec(2, cause);
    semi_puts(2, " pc=");
    semi_put_hex(2, pc);
    semi_puts(2, " vaddr=");
    semi_put_hex(2, vaddr);
    semi_puts(2, " sp=");
    semi_put_hex(2, sp);
    semi_puts(2, "\r\n");
    print_stats();
    semi_exit(LX106_EXIT_CPU_EXC);
}

// LLVM lowers Rust traps (and panics with panic=abort) to abort().
void abort(void) {
    lx106_fatal("abort() called", LX106_EXIT_ABORT);
}

void __assert_func(const char *file, int line, const char *func, const char *expr) {
    (void)line;
    (void)func;
    semi_puts(2, "\r\nassertion failed: ");
    semi_puts(2, expr);
    semi_puts(2, " in ");
    semi_puts(2, file);
    lx106_fatal("assert", LX106_EXIT_ABORT);
}

void nlr_jump_fail(void *val) {
    (void)val;
    lx106_fatal("uncaught NLR (nlr_jump_fail)", LX106_EXIT_NLR);
}

// ---------------------------------------------------------------------------------------
// GC roots: the call0 callee-saved registers, then the stack from here to the top.

void lx106_spill_regs(uint32_t *out);

void gc_collect(void) {
    lx106_stack_guard_check();
    gc_collect_start();
    uint32_t regs[5];
    lx106_spill_regs(regs);
    uint32_t sp;
    __asm__ volatile ("mov %0, a1" : "=r" (sp));
    gc_collect_root((void **)sp, ((uintptr_t)MP_STATE_THREAD(stack_top) - sp) / sizeof(uintptr_t));
    gc_collect_end();
}

mp_lexer_t *mp_lexer_new_from_file(qstr filename) {
    mp_raise_OSError(MP_ENOENT);
}

// No filesystem on this board.
static mp_obj_t lx106_builtin_open(size_t n_args, const mp_obj_t *args, mp_map_t *kwargs) {
    (void)n_args;
    (void)args;
    (void)kwargs;
    mp_raise_OSError(MP_ENOENT);
}
MP_DEFINE_CONST_FUN_OBJ_KW(mp_builtin_open_obj, 1, lx106_builtin_open);

mp_import_stat_t mp_import_stat(const char *path) {
    (void)path;
    return MP_IMPORT_STAT_NO_EXIST;
}

// ---------------------------------------------------------------------------------------

int main(void) {
    lx106_engine_stack_init();
    guard_arm();
    for (;;) {
        mp_stack_set_top(_stack_top);
        mp_stack_set_limit(LX106_STACK_SIZE - LX106_STACK_MARGIN);
        gc_init(heap, heap + sizeof(heap));
        mp_init();
        readline_init0();

        for (;;) {
            lx106_stack_guard_check();
            if (pyexec_mode_kind == PYEXEC_MODE_RAW_REPL) {
                if (pyexec_raw_repl() != 0) {
                    break;
                }
            } else {
                if (pyexec_friendly_repl() != 0) {
                    break;
                }
            }
        }
        gc_sweep_all();
        mp_deinit();
        mp_hal_stdout_tx_str("MPY: soft reboot\r\n");
    }
    return 0;
}
