#include <string.h>
#include "py/mperrno.h"
#include "relay.h"
#include "semihost.h"
#include "lx106.h"

static int relay_tx = -1, relay_rx = -1;

static int relay_open(void) {
    if (relay_tx >= 0 && relay_rx >= 0) {
        return 0;
    }
    int32_t err = 0;
    // Same order as the host: relay.tx first, then relay.rx (FIFO opens block until both ends meet).
    if (relay_tx < 0) {
        relay_tx = semi_open("relay.tx", SEMI_O_WRONLY, 0, &err);
        if (relay_tx < 0) {
            return -MP_ENODEV;
        }
    }
    relay_rx = semi_open("relay.rx", SEMI_O_RDONLY, 0, &err);
    if (relay_rx < 0) {
        return -MP_ENODEV;
    }
    return 0;
}

int32_t relay_call(uint8_t op, uint8_t sock, const void *p1, size_t n1, const void *p2, size_t n2,
    void *resp, size_t resp_max, size_t *resp_len) {
    if (resp_len) {
        *resp_len = 0;
    }
    lx106_stack_guard_check();  // cheap; catches overflows that jumped past the DBREAK guard
    int r = relay_open();
    if (r < 0) {
        return r;
    }
    size_t n = n1 + n2;
    if (n > 0xffff) {
        return -MP_EINVAL;
    }
    uint8_t hdr[4] = {op, sock, (uint8_t)n, (uint8_t)(n >> 8)};
    if (semi_write_all(relay_tx, hdr, 4) < 0
        || (n1 && semi_write_all(relay_tx, p1, n1) < 0)
        || (n2 && semi_write_all(relay_tx, p2, n2) < 0)) {
        return -MP_EIO;
    }
    uint8_t rh[6];
    if (semi_read_all(relay_rx, rh, 6) < 0) {
        return -MP_EIO;
    }
    int32_t result = (int32_t)((uint32_t)rh[0] | ((uint32_t)rh[1] << 8) | ((uint32_t)rh[2] << 16) | ((uint32_t)rh[3] << 24));
    size_t len = rh[4] | (rh[5] << 8);
    size_t take = len < resp_max ? len : resp_max;
    if (take && semi_read_all(relay_rx, resp, take) < 0) {
        return -MP_EIO;
    }
    for (size_t skip = len - take; skip > 0;) {
        uint8_t junk[16];
        size_t k = skip < sizeof(junk) ? skip : sizeof(junk);
        if (semi_read_all(relay_rx, junk, k) < 0) {
            return -MP_EIO;
        }
        skip -= k;
    }
    if (resp_len) {
        *resp_len = take;
    }
    return result;
}
