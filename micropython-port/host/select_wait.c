// select.poll's wait on the host port: poll(2) on the registered objects' descriptors.
#include <poll.h>

#include "py/stream.h"
#include "modselect.h"

void select_port_wait(const select_wait_fd_t *fds, size_t n, mp_uint_t ms) {
    struct pollfd pfd[16];
    if (n > MP_ARRAY_SIZE(pfd)) {
        n = MP_ARRAY_SIZE(pfd);
    }
    for (size_t i = 0; i < n; i++) {
        pfd[i].fd = fds[i].fd;
        pfd[i].events = ((fds[i].events & MP_STREAM_POLL_RD) ? POLLIN : 0)
            | ((fds[i].events & MP_STREAM_POLL_WR) ? POLLOUT : 0);
        pfd[i].revents = 0;
    }
    // EINTR (Ctrl-C) just ends the wait: the caller handles pending events.
    poll(pfd, n, (int)ms);
}
