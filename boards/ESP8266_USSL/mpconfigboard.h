// ESP8266 with ussl (TLS 1.3, Rust engine) in place of axTLS: board for MicroPython's
// ports/esp8266 (BOARD_DIR). Variants: default (2 MiB+ flash), FLASH_1M (1 MiB flash).
// Built by `make firmware` (boards/esp8266.mk), which also turns the port's axTLS off
// (MICROPY_PY_SSL=0 MICROPY_SSL_AXTLS=0): ussl then answers to `import tls` too, so the
// micropython-lib `ssl` wrapper and asyncio's TLS streams use it.
#if defined(MICROPY_ESP8266_1M)
#define MICROPY_HW_BOARD_NAME "ESP module (1M) with ussl"
#else
#define MICROPY_HW_BOARD_NAME "ESP module with ussl"
#endif
#define MICROPY_HW_MCU_NAME "ESP8266"

#define MICROPY_EMIT_XTENSA             (1)
#define MICROPY_EMIT_INLINE_XTENSA      (1)
#define MICROPY_ERROR_REPORTING         (MICROPY_ERROR_REPORTING_NORMAL)
// cryptolib (and hashlib.sha1, which webrepl's handshake uses) are axTLS code on this port:
// they go with it.
#define MICROPY_PY_CRYPTOLIB            (0)
#define MICROPY_PERSISTENT_CODE_LOAD    (1)
#define MICROPY_READER_VFS              (MICROPY_VFS)
#define MICROPY_VFS                     (1)

// ussl settings (also used by the link check, tests/esp8266/linkcheck/).
#include "ussl_board.h"
