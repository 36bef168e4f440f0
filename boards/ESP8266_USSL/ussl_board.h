// ussl on the ESP8266: the shim's settings and the port hooks of ussl_esp8266.c.
// Only macros and prototypes: included by mpconfigboard.h (and by the link check's config).
#ifndef USSL_BOARD_H
#define USSL_BOARD_H

// Every (soft) reset: install the LoadStoreError handler that emulates byte and half-word
// loads of the Rust engine's read-only data from flash (ussl_esp8266.c, ussl_flashload.c).
void ussl_esp8266_init(void);
#define MICROPY_PORT_INIT_FUNC          ussl_esp8266_init()

// The ussl shim (micropython-port/ussl/modussl.c) on this board, as on the emulated one
// (boards/qemu_lx106): record buffers sized for the 38 KiB heap (rx: one 4096-byte fragment
// + 272 B, the engine asks for max_fragment_length 4096; tx 2048); engine calls run on a
// stack taken from the GC heap for the call, 8 KiB as the emulated board's engine stack
// (measured peak of a handshake + GET there: 6,784 B; the rest is headroom for the SDK's
// interrupt handlers, which run on whatever stack is current). The C stack is 8 KiB for
// everything else.
void ussl_esp8266_engine_call(void (*fn)(void *), void *arg);
#define MICROPY_USSL_ENGINE_CALL(fn, arg) ussl_esp8266_engine_call((fn), (arg))
#define MICROPY_USSL_ENGINE_STACK_SIZE  (8192)
#define MICROPY_USSL_RX_BUFFER          (4096 + 272)
#define MICROPY_USSL_TX_BUFFER          (2048)
// The engine's verifier peaks at 7,824 B of engine stack on the emulated board (RSA chains):
// too little headroom left in 8 KiB for the SDK's interrupt handlers, so verification stays
// refused with a clear OSError here until measured on the chip.
#define MICROPY_USSL_VERIFY_STACK_OK    (0)
#define MICROPY_USSL_VERIFY_STACK_NEED  (7872)
// Clock for certificate dates: not wired to the RTC yet (0 = "clock not set").
#define MICROPY_USSL_UNIX_TIME()        ((int64_t)0)

#endif
