// Emulated ESP8266 board: QEMU `-M sim -cpu lx106`.
// Budgets follow the real ESP8266 MicroPython port (ports/esp8266): 38 KiB GC heap, 8 KiB C stack.
// Only #defines here: this file is also run through the C preprocessor for the linker script.
#define MICROPY_HW_BOARD_NAME "qemu_lx106"
#define MICROPY_HW_MCU_NAME "ESP8266 (emulated lx106)"

#ifndef LX106_HEAP_SIZE
#define LX106_HEAP_SIZE        (38 * 1024)   // static GC heap (make board LX106_HEAP_KB=n overrides, for experiments)
#endif
#define LX106_STACK_SIZE       (8 * 1024)    // C stack for everything (interpreter + engine)
// The TLS engine runs on a stack of its own (micropython-port/lx106/engine_stack.c). 7 KiB:
// with all three suites (this board builds them) a handshake peaks at 6,624 B (the SHA-384
// key schedule); the real board builds AES-128-GCM only and peaks at 5,824 B, within the
// 6 KiB it takes from its heap. A multiple of 64. `make board LX106_ENGINE_STACK=n`
// overrides it (experiments); 0 without ussl.
#ifndef LX106_ENGINE_STACK_SIZE
#define LX106_ENGINE_STACK_SIZE (7 * 1024)
#endif
#define LX106_STACK_GUARD_SIZE 64            // watched by the DBREAK unit (mask 0x3f), must stay 64
#define LX106_STACK_OVERFLOW_ZONE (64 * 1024) // painted area below the guard (dataram1), to measure overflows
#define LX106_STACK_MARGIN     1536          // headroom below MicroPython's recursion check
#define LX106_EXC_STACK_SIZE   512           // private stack for the fatal-exception handler

// CCOUNT rate in QEMU's lx106 model: 40 MHz of virtual time. With -icount shift=0 one
// instruction = 1 ns, so CCOUNT advances once per 25 instructions.
#define LX106_CCOUNT_HZ        40000000
#define LX106_INSNS_PER_CCOUNT 25

// Real-chip DRAM budget (data + bss + heap + stack), reported by the build.
#define LX106_DRAM_BUDGET      (80 * 1024)
