// ussl on the ESP8266 (MicroPython's ports/esp8266 with boards/ESP8266_USSL): what the engine
// and the shim need from the chip. Compiled by the port (it builds $(BOARD_DIR)/*.c); placed
// in irom0 by esp8266_ussl_irom0.ld like the rest of ussl.
//  - ussl_esp8266_init() (MICROPY_PORT_INIT_FUNC, every (soft) reset): installs the
//    LoadStoreError handler that lets the Rust engine's read-only data live in flash.
//  - ussl_platform_entropy(): the hardware RNG register, mixed with the cycle counter.
//  - ussl_platform_unix_time(): the port's RTC (machine.RTC / ntptime), for certificate dates.
//  - ussl_esp8266_engine_call(): runs an engine call on the shim's engine stack, one block of
//    the GC heap shared by all connections, so the 8 KiB C stack only holds the interpreter
//    (BearSSL's "stack thunk" on this chip).
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "py/mphal.h"
#include "py/gc.h"
#include "py/misc.h"
#include "py/mpprint.h"
#include "shared/timeutils/timeutils.h"
#include "ussl_flashload.h"

// ESP8266 NONOS SDK and ROM functions (declared here: the SDK's headers are not needed).
typedef void (*ussl_xtos_handler_t)(ussl_exc_frame_t *frame, int cause);
extern ussl_xtos_handler_t _xtos_set_exception_handler(int cause, ussl_xtos_handler_t handler);
extern void system_restart(void);

// Hardware random number register (also what the port seeds `random` from).
#define USSL_HWRNG (*(volatile uint32_t *)0x3FF20E44u)

static ussl_xtos_handler_t previous_load_store_handler;

static inline uint32_t read_excvaddr(void) {
    uint32_t v;
    __asm__ volatile ("rsr %0, excvaddr" : "=r" (v));
    return v;
}

static inline uint32_t read_ccount(void) {
    uint32_t v;
    __asm__ volatile ("rsr %0, ccount" : "=r" (v));
    return v;
}

// Runs in exception context (the SDK's dispatcher, EXCM set). It may run from flash: the
// faults it serves come from code reading the flash mapping, so the flash cache is on.
static void ussl_load_store_handler(ussl_exc_frame_t *frame, int cause) {
    if (ussl_flashload_emulate(frame, read_excvaddr())) {
        return;
    }
    // Not ours (a store, or a load outside the flash mapping): the SDK's fatal path.
    if (previous_load_store_handler != NULL && previous_load_store_handler != ussl_load_store_handler) {
        previous_load_store_handler(frame, cause);
        return;
    }
    // No handler before ours: returning would retry the load forever. An illegal instruction
    // in exception mode is a double exception, which the SDK reports and resets on.
    __asm__ volatile ("ill");
}

// Once per boot (the handler survives soft resets): a second install would record our own
// handler as the previous one.
void ussl_engine_stack_forget(void);
void ussl_esp8266_init(void) {
    ussl_engine_stack_forget(); // the shim's shared engine stack went with the old heap
    static bool installed;
    if (!installed) {
        previous_load_store_handler = _xtos_set_exception_handler(USSL_EXCCAUSE_LOAD_STORE, ussl_load_store_handler);
        installed = true;
    }
}

// The hardware RNG is a true RNG while the radio runs and weaker otherwise; each output
// word folds four register reads together with the cycle counter (timing jitter of the
// calling code). The engine only takes a 32-byte seed per connection from here.
int32_t ussl_platform_entropy(uint8_t *buf, size_t len) {
    while (len > 0) {
        uint32_t w = read_ccount();
        for (int i = 0; i < 4; i++) {
            w = (w << 7 | w >> 25) ^ USSL_HWRNG;
        }
        for (int i = 0; i < 4 && len > 0; i++, len--) {
            *buf++ = (uint8_t)(w >> (8 * i));
        }
    }
    return 0;
}

// The port's RTC (ports/esp8266/machine_rtc.c): microseconds since the port's epoch
// (2000-01-01 unless the port counts from 1970), kept in RTC memory across soft resets and
// deep sleep, set by ntptime.settime() and machine.RTC().datetime(...).
extern uint64_t pyb_rtc_get_us_since_epoch(void);

// Seconds since 1970-01-01 from that RTC, or -1 while it still counts from its reset value
// (before 2024: never set since power-up). The engine then fails verification with "clock
// not set" unless the caller opted out of the time check.
int64_t ussl_platform_unix_time(void) {
    uint64_t ns = timeutils_nanoseconds_since_epoch_to_nanoseconds_since_1970(pyb_rtc_get_us_since_epoch() * 1000ULL);
    int64_t s = (int64_t)(ns / 1000000000ULL);
    return s < 1704067200 ? -1 : s; // 2024-01-01T00:00:00Z
}

// ussl_call_on_stack(fn, arg, stack_top): fn(arg) with a1 moved to stack_top (call0 ABI:
// a2 = fn, a3 = arg, a4 = top). The caller's a0 and a1 are kept at the top of the new stack.
void ussl_call_on_stack(void (*fn)(void *), void *arg, void *stack_top);
__asm__ (
    "    .section .text.ussl_call_on_stack, \"ax\"\n"
    "    .global ussl_call_on_stack\n"
    "    .type ussl_call_on_stack, @function\n"
    "    .align 4\n"
    "ussl_call_on_stack:\n"
    "    addi    a4, a4, -16\n"
    "    s32i    a0, a4, 0\n"
    "    s32i    a1, a4, 4\n"
    "    mov     a1, a4\n"
    "    mov     a5, a2\n"
    "    mov     a2, a3\n"
    "    callx0  a5\n"
    "    l32i    a0, a1, 0\n"
    "    l32i    a1, a1, 4\n"
    "    ret\n"
    "    .size ussl_call_on_stack, . - ussl_call_on_stack\n"
    "    .text\n"
    );

// The engine never calls back into MicroPython (only ussl_platform_entropy): no GC, NLR
// jump or allocation happens while a1 points into the heap block. The block is the shim's
// shared engine stack (MICROPY_USSL_SHARED_STACK_SIZE): taken from the GC heap when the first
// connection is made, kept by a root pointer while any engine exists, so every engine call
// (finalisers included) finds it. Without it (cannot happen: an engine exists) the call runs
// on the current stack.
void *ussl_engine_stack_top(void);
void ussl_esp8266_engine_call(void (*fn)(void *), void *arg) {
    void *top = ussl_engine_stack_top();
    if (top == NULL) {
        fn(arg);
        return;
    }
    ussl_call_on_stack(fn, arg, top);
}

// Rust lowers traps (a bug, never bad input) to abort(): report and restart the chip.
// Weak, in case the port or SDK already has one.
__attribute__((weak, noreturn)) void abort(void) {
    mp_printf(&mp_plat_print, "ussl: TLS engine abort, restarting\n");
    system_restart();
    for (;;) {
    }
}
