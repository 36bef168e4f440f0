// Entropy for the TLS engine: the host's /dev/urandom read through semihosting.
#include <stddef.h>
#include <stdint.h>
#include "semihost.h"

static int urandom_fd = -1;

int32_t ussl_platform_entropy(uint8_t *buf, size_t len) {
    if (urandom_fd < 0) {
        int32_t err;
        urandom_fd = semi_open("/dev/urandom", SEMI_O_RDONLY, 0, &err);
        if (urandom_fd < 0) {
            return -1;
        }
    }
    return semi_read_all(urandom_fd, buf, len) < 0 ? -1 : 0;
}
