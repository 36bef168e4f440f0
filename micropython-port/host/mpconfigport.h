// Configuration of the ussl host port: a small MicroPython for x86-64 Linux built from
// py/ + shared/ only (no extmod), used to run the ussl module and its tests on the host.
#include <stdint.h>
#include <stddef.h>
#include <alloca.h>

#define MICROPY_CONFIG_ROM_LEVEL            (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)

// Core.
#define MICROPY_ENABLE_GC                   (1)
#define MICROPY_ENABLE_FINALISER            (1)
#define MICROPY_STACK_CHECK                 (1)
#define MICROPY_ENABLE_PYSTACK              (0)
#define MICROPY_LONGINT_IMPL                (MICROPY_LONGINT_IMPL_MPZ)
#define MICROPY_FLOAT_IMPL                  (MICROPY_FLOAT_IMPL_DOUBLE)
#define MICROPY_ERROR_REPORTING             (MICROPY_ERROR_REPORTING_DETAILED)
#define MICROPY_ERROR_PRINTER               (&mp_stderr_print)
#define MICROPY_WARNINGS                    (1)
#define MICROPY_USE_INTERNAL_ERRNO          (0)
#define MICROPY_USE_INTERNAL_PRINTF         (0)
#define MICROPY_READER_POSIX                (1)
#define MICROPY_HELPER_LEXER_UNIX           (1)
#define MICROPY_ENABLE_EXTERNAL_IMPORT      (1)
#define MICROPY_ALLOC_PATH_MAX              (4096)
#define MICROPY_KBD_EXCEPTION               (1)
#define MICROPY_HELPER_REPL                 (1)
#define MICROPY_REPL_AUTO_INDENT            (0) // piped input carries its own indentation
#define MICROPY_STREAMS_NON_BLOCK           (1)
#define MICROPY_PY_SYS_STDFILES             (1)
#define MICROPY_PY_SYS_EXIT                 (1)
#define MICROPY_PY_SYS_ARGV                 (1)
#define MICROPY_PY_SYS_PATH                 (1)
#define MICROPY_PY_SYS_PLATFORM             "linux"
#define MICROPY_PY_SYS_MAXSIZE              (1)
#define MICROPY_PY_ERRNO                    (1)
#define MICROPY_PY_GC                       (1)
#define MICROPY_PY_MICROPYTHON_MEM_INFO     (1)
#define MICROPY_PY_IO                       (1)
#define MICROPY_PY_STRUCT                   (1)
#define MICROPY_PY_BUILTINS_BYTES_HEX       (1)
#define MICROPY_PY_BUILTINS_MEMORYVIEW      (1)
#define MICROPY_PY_BUILTINS_INPUT           (0)

// Everything that lives in extmod/ (absent from the source we build against) is off.
#define MICROPY_PY_TIME                     (0) // port's own modtime.c registers `time`
#define MICROPY_PY_SELECT                   (0)
#define MICROPY_PY_ASYNCIO                  (0)
#define MICROPY_PY_UCTYPES                  (0)
#define MICROPY_PY_DEFLATE                  (0)
#define MICROPY_PY_JSON                     (0)
#define MICROPY_PY_OS                       (0)
#define MICROPY_PY_RE                       (0)
#define MICROPY_PY_HEAPQ                    (0)
#define MICROPY_PY_HASHLIB                  (0)
#define MICROPY_PY_BINASCII                 (0)
#define MICROPY_PY_RANDOM                   (0)
#define MICROPY_PY_FRAMEBUF                 (0)
#define MICROPY_PY_PLATFORM                 (0)
#define MICROPY_PY_MACHINE                  (0)
#define MICROPY_PY_SSL                      (0)
#define MICROPY_VFS                         (0)

// No native emitters on this port.
#define MICROPY_EMIT_X64                    (0)
#define MICROPY_EMIT_INLINE_THUMB           (0)

// The host "board".
#define MICROPY_HW_BOARD_NAME               "host"
#define MICROPY_HW_MCU_NAME                 "x86-64 Linux"
#define MICROPY_BANNER_MACHINE              "ussl host port with " MICROPY_HW_MCU_NAME

#define MICROPY_GC_HEAP_SIZE_DEFAULT        (256 * 1024)

typedef long mp_int_t;           // must be pointer size
typedef unsigned long mp_uint_t;  // must be pointer size
typedef long mp_off_t;
#define MP_SSIZE_MAX                        (0x7fffffffffffffffL)

#define MICROPY_MPHALPORT_H                 "mphalport.h"

// Port-level printer for errors (stderr), defined in main.c.
extern const struct _mp_print_t mp_stderr_print;

#define MP_STATE_PORT MP_STATE_VM
