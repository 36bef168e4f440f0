// The TLS engine's own stack (the ESP8266 "stack thunk" idea): every ussl engine call that may
// run crypto is made on a static stack reserved by the board (boards/qemu_lx106/lx106.ld.S),
// so the interpreter's 8 KiB C stack only has to hold the interpreter. The shim routes those
// calls here through MICROPY_USSL_ENGINE_CALL (mpconfigport.h).
//
// Safety: the engine never calls back into MicroPython (only ussl_platform_entropy, which
// reads /dev/urandom through semihosting), so no allocation, GC root scan or NLR jump can
// happen while a1 points into the engine stack.
//
// Layout in dram0 (lowest address first):
//   [engine guard 64 B][engine stack][interpreter guard 64 B][interpreter stack 8 KiB][.data/.bss]
// While the engine runs, the DBREAK watch moves from the interpreter's guard to the engine's
// guard (and back afterwards), so an overflow stops the board with a message. Below the engine
// guard lies only the painted overflow zone (QEMU's dataram1), which nothing uses.
//
// Accounting: the engine stack is painted; after each call the deepest word used is found,
// the peak updated and the used part painted again (so the region is clean whenever the
// interpreter runs, and lx106.stack_peak() keeps measuring only the interpreter).
#include <stdbool.h>
#include "mpconfigboard.h"
#include "lx106.h"

void lx106_call_on_stack(void (*fn)(void *), void *arg, uint32_t *stack_top);

static bool engine_active;
static size_t engine_peak;
static uint32_t engine_calls;

static bool in_engine_guard(const uint32_t *p) {
    return p >= _engine_stack_guard && p < _engine_stack_bottom;
}

// Lowest word of [from, top) that is neither paint nor (inside the guard) a guard word.
static uint32_t *lowest_used(uint32_t *from) {
    uint32_t *p = from;
    while (p < _engine_stack_top && (*p == LX106_STACK_PAINT || (in_engine_guard(p) && *p == LX106_GUARD_WORD))) {
        p++;
    }
    return p;
}

static void repaint(uint32_t *from) {
    for (uint32_t *p = from; p < _engine_stack_top; p++) {
        *p = in_engine_guard(p) ? LX106_GUARD_WORD : LX106_STACK_PAINT;
    }
}

void lx106_engine_stack_init(void) {
    repaint(_engine_stack_guard);
    engine_peak = 0;
}

size_t lx106_engine_stack_peak(void) {
    return engine_peak;
}

uint32_t lx106_engine_stack_calls(void) {
    return engine_calls;
}

void lx106_engine_stack_reset_peak(void) {
    engine_peak = 0;
    engine_calls = 0;
}

void lx106_engine_call(void (*fn)(void *), void *arg) {
    if (engine_active) {
        // Cannot happen (the engine does not call back into the shim); stay on this stack.
        fn(arg);
        return;
    }
    engine_active = true;
    engine_calls++;
    lx106_guard_watch(_engine_stack_guard);
    lx106_call_on_stack(fn, arg, _engine_stack_top);
    lx106_guard_watch(_stack_guard);
    engine_active = false;

    // With the guard on, only the engine stack itself and its guard are scanned; with it off
    // (measurements), the painted zone below as well.
    uint32_t *p;
    if (lx106_guard_enabled()) {
        for (int i = 0; i < LX106_STACK_GUARD_SIZE / 4; i++) {
            if (_engine_stack_guard[i] != LX106_GUARD_WORD) {
                lx106_fatal("TLS engine stack overflow: guard words below the engine stack were overwritten", LX106_EXIT_STACK);
            }
        }
        if (*(volatile uint32_t *)((uintptr_t)_engine_stack_guard - 4) != LX106_STACK_PAINT) {
            lx106_fatal("TLS engine stack overflow: a frame jumped over the guard", LX106_EXIT_STACK);
        }
        p = lowest_used(_engine_stack_guard);
    } else {
        p = lowest_used(_stack_overflow_zone);
    }
    size_t used = (uintptr_t)_engine_stack_top - (uintptr_t)p;
    if (used > engine_peak) {
        engine_peak = used;
    }
    repaint(p);
}
