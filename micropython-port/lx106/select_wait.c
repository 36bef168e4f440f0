// select.poll's wait on the emulated board: the host relay waits (in real time) on the relay
// sockets; the board's clock then skips the time waited, as time.sleep does.
#include "py/mperrno.h"
#include "modselect.h"
#include "relay.h"
#include "lx106.h"

void select_port_wait(const select_wait_fd_t *fds, size_t n, mp_uint_t ms) {
    uint8_t req[2 + 2 * 16];
    if (ms > 0xffff) {
        ms = 0xffff;
    }
    req[0] = (uint8_t)ms;
    req[1] = (uint8_t)(ms >> 8);
    size_t len = 2;
    for (size_t i = 0; i < n && len + 2 <= sizeof(req); i++) {
        if (fds[i].fd > 0 && fds[i].fd < 256) {
            req[len++] = (uint8_t)fds[i].fd;
            req[len++] = (uint8_t)fds[i].events;
        }
    }
    int32_t waited = relay_call(RELAY_OP_WAIT, 0, req, len, NULL, 0, NULL, 0, NULL);
    if (waited < 0) {
        waited = ms; // no relay: behave like a plain sleep
    }
    lx106_sleep_us((uint64_t)waited * 1000);
}
