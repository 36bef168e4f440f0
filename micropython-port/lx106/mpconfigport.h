// MicroPython configuration of the emulated ESP8266 board (QEMU -M sim -cpu lx106).
// Modelled on ports/esp8266 (extra-features ROM level, single-precision float, MPZ long ints),
// minus everything that lives in extmod/ (not in the source tree used here).
#include <stdint.h>
#include <alloca.h>
#include "mpconfigboard.h"

#define MICROPY_CONFIG_ROM_LEVEL            (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)

// Core
#define MICROPY_ALLOC_PATH_MAX              (128)
#define MICROPY_PERSISTENT_CODE_LOAD        (0)
#define MICROPY_EMIT_XTENSA                 (0)
#define MICROPY_EMIT_INLINE_XTENSA          (0)
#define MICROPY_ENABLE_GC                   (1)
#define MICROPY_ENABLE_FINALISER            (1)
#define MICROPY_STACK_CHECK                 (1)
#define MICROPY_ENABLE_EMERGENCY_EXCEPTION_BUF (1)
#define MICROPY_EMERGENCY_EXCEPTION_BUF_SIZE (256)
#define MICROPY_KBD_EXCEPTION               (1)
#define MICROPY_HELPER_REPL                 (1)
#define MICROPY_REPL_EVENT_DRIVEN           (0)
#define MICROPY_ENABLE_SOURCE_LINE          (1)
#define MICROPY_ERROR_REPORTING             (MICROPY_ERROR_REPORTING_NORMAL)
#define MICROPY_WARNINGS                    (1)
#define MICROPY_LONGINT_IMPL                (MICROPY_LONGINT_IMPL_MPZ)
#ifndef LX106_FLOAT
#define LX106_FLOAT                         (1)
#endif
#if LX106_FLOAT
#define MICROPY_FLOAT_IMPL                  (MICROPY_FLOAT_IMPL_FLOAT)
#else
#define MICROPY_FLOAT_IMPL                  (MICROPY_FLOAT_IMPL_NONE)
#endif
#define MICROPY_PY_BUILTINS_COMPLEX         (0)
#define MICROPY_PY_CMATH                    (0)
#define MICROPY_READER_VFS                  (0)
#define MICROPY_VFS                         (0)
#define MICROPY_ENABLE_SCHEDULER            (1)
#define MICROPY_SCHEDULER_DEPTH             (4)
#define MICROPY_PY_SYS_STDFILES             (1)
#define MICROPY_PY_SYS_STDIO_BUFFER         (1)
#define MICROPY_PY_SYS_PLATFORM             "esp8266"
#define MICROPY_PY_SYS_EXIT                 (1)
#define MICROPY_PY_MICROPYTHON_MEM_INFO     (1)
#define MICROPY_PY_IO                       (1)
#define MICROPY_PY_IO_IOBASE                (1)
#define MICROPY_PY_STRUCT                   (1)
#define MICROPY_PY_ERRNO                    (1)
#define MICROPY_USE_INTERNAL_ERRNO          (1) // Linux numbering, as the host relay reports
#define MICROPY_PY_THREAD                   (0)
#define MICROPY_PY_BUILTINS_HELP            (1)
#define MICROPY_PY_BUILTINS_INPUT           (1)

// extmod/ is not part of the source tree: the board provides time and socket itself.
#define MICROPY_PY_TIME                     (0)
#define MICROPY_PY_SELECT                   (0)
#define MICROPY_PY_OS                       (0)
#define MICROPY_PY_RANDOM                   (0)
#define MICROPY_PY_JSON                     (0)
#define MICROPY_PY_RE                       (0)
#define MICROPY_PY_HEAPQ                    (0)
#define MICROPY_PY_HASHLIB                  (0)
#define MICROPY_PY_BINASCII                 (0)
#define MICROPY_PY_DEFLATE                  (0)
#define MICROPY_PY_UCTYPES                  (0)
#define MICROPY_PY_ASYNCIO                  (0)
#define MICROPY_PY_FRAMEBUF                 (0)
#define MICROPY_PY_PLATFORM                 (0)
#define MICROPY_PY_MACHINE                  (0)
#define MICROPY_PY_NETWORK                  (0)
#define MICROPY_PY_SOCKET                   (0)
#define MICROPY_PY_SSL                      (0)

#define MICROPY_MAKE_POINTER_CALLABLE(p)    ((void *)((mp_uint_t)(p)))

typedef int32_t mp_int_t;
typedef uint32_t mp_uint_t;
typedef long mp_off_t;

#define MP_SSIZE_MAX                        (0x7fffffff)

// ussl shim (micropython-port/ussl/modussl.c) on this board:
// - every engine call that may run crypto is made on the TLS engine's own stack
//   (engine_stack.c, LX106_ENGINE_STACK_SIZE in mpconfigboard.h), not on the 8 KiB C stack;
// - record buffers for the 38 KiB heap: rx holds one 4096-byte fragment + 272 B of record
//   overhead, so the engine asks the server for max_fragment_length 4096 (RFC 6066);
//   tx 2048 (records of up to 1920 plaintext bytes);
// - certificate verification (the engine's own verifier, built without P-384 here): a
//   handshake peaks at 6,624 B of engine stack with all three suites (5,824 B with AES-128-GCM;
//   the ECDHE shared secret; the verifier's paths are below both), measured with
//   `make board LX106_ENGINE_STACK=16384`: it fits this board's 7 KiB engine stack (the chip,
//   AES-128-GCM only, uses 6 KiB: boards/ESP8266_USSL). A port with a smaller engine stack refuses to verify with
//   OSError(EOPNOTSUPP, ...).
#if LX106_USSL
void lx106_engine_call(void (*fn)(void *), void *arg);
#define MICROPY_USSL_ENGINE_CALL(fn, arg)   lx106_engine_call((fn), (arg))
#define MICROPY_USSL_RX_BUFFER              (4096 + 272)
#define MICROPY_USSL_TX_BUFFER              (2048)
// Wall clock for certificate dates: 0 until lx106.set_time() (no RTC: "clock not set").
int64_t lx106_unix_time(void);
#define MICROPY_USSL_UNIX_TIME()            lx106_unix_time()
#define MICROPY_USSL_VERIFY_STACK_NEED      (6656)
#ifndef MICROPY_USSL_VERIFY_STACK_OK
#define MICROPY_USSL_VERIFY_STACK_OK        (LX106_ENGINE_STACK_SIZE >= MICROPY_USSL_VERIFY_STACK_NEED + 256)
#endif
#define MICROPY_USSL_ENGINE_STACK_SIZE      (LX106_ENGINE_STACK_SIZE)
// The real board runs the engine on a block of the GC heap shared by all connections.
// `make board LX106_HEAP_STACK=1` has the shim take the same block here (the engine still
// runs on the static stack above: guard, painting), so the 38 KiB heap holds it as on the
// chip: a verified connection then takes 7,168 B more (mfl 4096: 21,168 B peak, 16,576 B
// held). 16 of the 20 test scripts pass that way; tls_context, tls_context_io and
// tls_clientcert (heap split by their own compiled code and certificates) and tls_fragment's
// full-record case still run out of heap (MemoryError), hence not the default (README "Stack").
#if defined(LX106_HEAP_STACK) && LX106_HEAP_STACK
#define MICROPY_USSL_SHARED_STACK_SIZE      (LX106_ENGINE_STACK_SIZE)
#endif
// Client certificates (the engine's client-cert feature, rust/rust.mk) and the PSK API, as
// on the real board (boards/ESP8266_USSL/ussl_board.h).
#define MICROPY_USSL_CLIENT_CERTS           (1)
#define MICROPY_USSL_PSK                    (1)
// The server side (the engine's server feature, rust/rust.mk): on the emulated board, which is
// not bound by the chip's irom0 budget; boards/ESP8266_USSL leaves it out.
#define MICROPY_USSL_SERVER                 (1)
#endif

// Socket relay connection state lives in the port; no root pointers needed.
#define MICROPY_HW_ENABLE_USB               (0)


#define MP_STATE_PORT MP_STATE_VM
