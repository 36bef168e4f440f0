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
// 6 KiB stack taken from the GC heap with the first connection and shared by all of them
// until the last one is freed (modussl.c, MICROPY_USSL_SHARED_STACK_SIZE), the size of the
// emulated board's engine stack. Measured peak of a handshake there, certificate verification
// included (P-256 and RSA-2048 chains): 5,824 B (the deepest path is the ECDHE shared
// secret, not the verifier), which leaves 320 B for the SDK's interrupt handlers (they run
// on whatever stack is current). The C stack is 8 KiB for the rest.
void ussl_esp8266_engine_call(void (*fn)(void *), void *arg);
#define MICROPY_USSL_ENGINE_CALL(fn, arg) ussl_esp8266_engine_call((fn), (arg))
#define MICROPY_USSL_ENGINE_STACK_SIZE  (6144)
#define MICROPY_USSL_SHARED_STACK_SIZE  (MICROPY_USSL_ENGINE_STACK_SIZE)
#define MICROPY_USSL_RX_BUFFER          (4096 + 272)
#define MICROPY_USSL_TX_BUFFER          (2048)
// Verification fits that stack (see above).
#define MICROPY_USSL_VERIFY_STACK_NEED  (5888)
#define MICROPY_USSL_VERIFY_STACK_OK    (MICROPY_USSL_ENGINE_STACK_SIZE >= MICROPY_USSL_VERIFY_STACK_NEED + 256)
// Client certificates (load_cert_chain, P-256 keys: the engine's client-cert feature) and
// the external PSK API (set_psk_identity/set_psk_key), as on the host port; they fit the
// irom0 budget (README, "The link check").
#define MICROPY_USSL_CLIENT_CERTS       (1)
#define MICROPY_USSL_PSK                (1)
// No TLS server: the engine's server feature does not fit the 160 KiB irom0 budget
// (README, "Server side"); wrap_socket(server_side=True) raises OSError(EOPNOTSUPP, reason).
#define MICROPY_USSL_SERVER             (0)
// Clock for certificate dates: the port's RTC (ussl_esp8266.c; -1 = "clock not set" until
// ntptime.settime() or machine.RTC().datetime() set it).
#include <stdint.h>
int64_t ussl_platform_unix_time(void);
#define MICROPY_USSL_UNIX_TIME()        ussl_platform_unix_time()

#endif
