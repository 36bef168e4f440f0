// select.poll for the ussl ports (micropython-port/common/modselect.c) and the hook each
// port provides to wait for its sockets.
#ifndef USSL_PORT_MODSELECT_H
#define USSL_PORT_MODSELECT_H
#include <stddef.h>
#include <stdint.h>
#include "py/obj.h"

// A descriptor to wait on: what MP_STREAM_GET_FILENO gave for a registered object (a POSIX fd
// on the host, a relay socket id on the emulated board) and the MP_STREAM_POLL_* events asked.
typedef struct _select_wait_fd_t {
    int fd;
    uint16_t events;
} select_wait_fd_t;

// Port hook: block for at most `ms` milliseconds, or less once one of `fds` may be ready
// (any return is fine: select re-asks every object through its ioctl afterwards, so the
// descriptors are only a hint for how long to sleep). Called with n == 0 to just sleep.
void select_port_wait(const select_wait_fd_t *fds, size_t n, mp_uint_t ms);

#endif
