// `socket` module of the ussl host port, over POSIX sockets (extmod's modsocket is absent).
// Socket objects implement the MicroPython stream protocol (read/write/ioctl), so stream
// helpers and the ussl shim use them like any other stream. A would-block condition on a
// non-blocking socket is reported as MP_EAGAIN; a timeout set with settimeout() as ETIMEDOUT.
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/objstr.h"
#include "py/runtime.h"
#include "py/stream.h"

typedef struct _host_socket_obj_t {
    mp_obj_base_t base;
    int fd;             // -1 once closed
    int family;
    int type;
    int proto;
    int timeout_ms;     // -1: block forever, 0: non-blocking, > 0: timeout
} host_socket_obj_t;

static const mp_obj_type_t host_socket_type;

static host_socket_obj_t *socket_new(int fd, int family, int type, int proto) {
    // Internally every fd is non-blocking; blocking behaviour is implemented with poll().
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    host_socket_obj_t *s = mp_obj_malloc_with_finaliser(host_socket_obj_t, &host_socket_type);
    s->fd = fd;
    s->family = family;
    s->type = type;
    s->proto = proto;
    s->timeout_ms = -1;
    return s;
}

static host_socket_obj_t *socket_get_open(mp_obj_t self_in) {
    host_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->fd < 0) {
        mp_raise_OSError(MP_EBADF);
    }
    return self;
}

// Wait until fd is ready for `events`; returns 0 or an errno value (MP_EAGAIN for a
// non-blocking socket, MP_ETIMEDOUT when the timeout expires).
static int socket_wait(host_socket_obj_t *self, short events) {
    if (self->timeout_ms == 0) {
        return MP_EAGAIN;
    }
    mp_uint_t start = mp_hal_ticks_ms();
    for (;;) {
        int wait = -1;
        if (self->timeout_ms > 0) {
            mp_uint_t elapsed = mp_hal_ticks_ms() - start;
            if (elapsed >= (mp_uint_t)self->timeout_ms) {
                return MP_ETIMEDOUT;
            }
            wait = self->timeout_ms - elapsed;
        }
        struct pollfd pfd = { .fd = self->fd, .events = events };
        int r = poll(&pfd, 1, wait);
        if (r > 0) {
            return 0;
        }
        if (r == 0) {
            return MP_ETIMEDOUT;
        }
        if (errno != EINTR) {
            return errno;
        }
        mp_handle_pending(true); // raises KeyboardInterrupt after Ctrl-C
    }
}

// ---- stream protocol ----

static mp_uint_t socket_stream_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode) {
    host_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->fd < 0) {
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    for (;;) {
        ssize_t n = recv(self->fd, buf, size, 0);
        if (n >= 0) {
            return n;
        }
        if (errno == EINTR) {
            mp_handle_pending(true);
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int e = socket_wait(self, POLLIN);
            if (e == 0) {
                continue;
            }
            *errcode = e;
        } else {
            *errcode = errno;
        }
        return MP_STREAM_ERROR;
    }
}

static mp_uint_t socket_stream_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode) {
    host_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->fd < 0) {
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    for (;;) {
        ssize_t n = send(self->fd, buf, size, MSG_NOSIGNAL);
        if (n >= 0) {
            return n;
        }
        if (errno == EINTR) {
            mp_handle_pending(true);
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int e = socket_wait(self, POLLOUT);
            if (e == 0) {
                continue;
            }
            *errcode = e;
        } else {
            *errcode = errno;
        }
        return MP_STREAM_ERROR;
    }
}

static mp_uint_t socket_stream_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    host_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    switch (request) {
        case MP_STREAM_CLOSE:
            if (self->fd >= 0) {
                close(self->fd);
                self->fd = -1;
            }
            return 0;
        case MP_STREAM_POLL: {
            if (self->fd < 0) {
                return MP_STREAM_POLL_NVAL;
            }
            struct pollfd pfd = { .fd = self->fd, .events = 0 };
            if (arg & MP_STREAM_POLL_RD) {
                pfd.events |= POLLIN;
            }
            if (arg & MP_STREAM_POLL_WR) {
                pfd.events |= POLLOUT;
            }
            mp_uint_t ret = 0;
            if (poll(&pfd, 1, 0) > 0) {
                if (pfd.revents & POLLIN) {
                    ret |= MP_STREAM_POLL_RD;
                }
                if (pfd.revents & POLLOUT) {
                    ret |= MP_STREAM_POLL_WR;
                }
                if (pfd.revents & POLLERR) {
                    ret |= MP_STREAM_POLL_ERR;
                }
                if (pfd.revents & POLLHUP) {
                    ret |= MP_STREAM_POLL_HUP;
                }
            }
            return ret;
        }
        case MP_STREAM_GET_FILENO:
            return self->fd;
        default:
            *errcode = MP_EINVAL;
            return MP_STREAM_ERROR;
    }
}

// ---- addresses ----

static void sockaddr_from_obj(mp_obj_t addr_in, struct sockaddr_in *sa) {
    memset(sa, 0, sizeof(*sa));
    mp_obj_t *items;
    mp_obj_get_array_fixed_n(addr_in, 2, &items);
    const char *host = mp_obj_str_get_str(items[0]);
    mp_int_t port = mp_obj_get_int(items[1]);
    if (port < 0 || port > 65535) {
        mp_raise_ValueError(MP_ERROR_TEXT("port out of range"));
    }
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    if (host[0] == '\0') {
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
        struct addrinfo *res;
        int r = getaddrinfo(host, NULL, &hints, &res);
        if (r != 0) {
            mp_raise_OSError(r < 0 ? r : -r);
        }
        sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
        freeaddrinfo(res);
    }
}

static mp_obj_t sockaddr_to_obj(const struct sockaddr_in *sa) {
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
    mp_obj_t t[2] = { mp_obj_new_str(ip, strlen(ip)), MP_OBJ_NEW_SMALL_INT(ntohs(sa->sin_port)) };
    return mp_obj_new_tuple(2, t);
}

// ---- socket methods ----

static mp_obj_t socket_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 3, false);
    int family = n_args > 0 ? mp_obj_get_int(args[0]) : AF_INET;
    int stype = n_args > 1 ? mp_obj_get_int(args[1]) : SOCK_STREAM;
    int proto = n_args > 2 ? mp_obj_get_int(args[2]) : 0;
    int fd = socket(family, stype | SOCK_CLOEXEC, proto);
    if (fd < 0) {
        mp_raise_OSError(errno);
    }
    return MP_OBJ_FROM_PTR(socket_new(fd, family, stype, proto));
}

static mp_obj_t socket_connect(mp_obj_t self_in, mp_obj_t addr_in) {
    host_socket_obj_t *self = socket_get_open(self_in);
    struct sockaddr_in sa;
    sockaddr_from_obj(addr_in, &sa);
    int r;
    do {
        r = connect(self->fd, (struct sockaddr *)&sa, sizeof(sa));
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        return mp_const_none;
    }
    if (errno != EINPROGRESS) {
        mp_raise_OSError(errno);
    }
    if (self->timeout_ms == 0) {
        mp_raise_OSError(MP_EINPROGRESS);
    }
    int e = socket_wait(self, POLLOUT);
    if (e != 0) {
        mp_raise_OSError(e);
    }
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(self->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        mp_raise_OSError(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_connect_obj, socket_connect);

static mp_obj_t socket_bind(mp_obj_t self_in, mp_obj_t addr_in) {
    host_socket_obj_t *self = socket_get_open(self_in);
    struct sockaddr_in sa;
    sockaddr_from_obj(addr_in, &sa);
    if (bind(self->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        mp_raise_OSError(errno);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_bind_obj, socket_bind);

static mp_obj_t socket_listen(size_t n_args, const mp_obj_t *args) {
    host_socket_obj_t *self = socket_get_open(args[0]);
    int backlog = n_args > 1 ? mp_obj_get_int(args[1]) : 5;
    if (backlog < 0) {
        backlog = 0;
    }
    if (listen(self->fd, backlog) < 0) {
        mp_raise_OSError(errno);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(socket_listen_obj, 1, 2, socket_listen);

static mp_obj_t socket_accept(mp_obj_t self_in) {
    host_socket_obj_t *self = socket_get_open(self_in);
    for (;;) {
        struct sockaddr_in sa;
        socklen_t len = sizeof(sa);
        int fd = accept4(self->fd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
        if (fd >= 0) {
            host_socket_obj_t *c = socket_new(fd, self->family, self->type, self->proto);
            mp_obj_t t[2] = { MP_OBJ_FROM_PTR(c), sockaddr_to_obj(&sa) };
            return mp_obj_new_tuple(2, t);
        }
        if (errno == EINTR) {
            mp_handle_pending(true);
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            mp_raise_OSError(errno);
        }
        int e = socket_wait(self, POLLIN);
        if (e != 0) {
            mp_raise_OSError(e);
        }
    }
}
static MP_DEFINE_CONST_FUN_OBJ_1(socket_accept_obj, socket_accept);

static mp_obj_t socket_setsockopt(size_t n_args, const mp_obj_t *args) {
    host_socket_obj_t *self = socket_get_open(args[0]);
    int level = mp_obj_get_int(args[1]);
    int opt = mp_obj_get_int(args[2]);
    const void *val;
    socklen_t len;
    int ival;
    if (mp_obj_is_integer(args[3])) {
        ival = mp_obj_get_int(args[3]);
        val = &ival;
        len = sizeof(ival);
    } else {
        mp_buffer_info_t bufinfo;
        mp_get_buffer_raise(args[3], &bufinfo, MP_BUFFER_READ);
        val = bufinfo.buf;
        len = bufinfo.len;
    }
    if (setsockopt(self->fd, level, opt, val, len) < 0) {
        mp_raise_OSError(errno);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(socket_setsockopt_obj, 4, 4, socket_setsockopt);

static mp_obj_t socket_setblocking(mp_obj_t self_in, mp_obj_t flag) {
    host_socket_obj_t *self = socket_get_open(self_in);
    self->timeout_ms = mp_obj_is_true(flag) ? -1 : 0;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_setblocking_obj, socket_setblocking);

static mp_obj_t socket_settimeout(mp_obj_t self_in, mp_obj_t timeout_in) {
    host_socket_obj_t *self = socket_get_open(self_in);
    if (timeout_in == mp_const_none) {
        self->timeout_ms = -1;
    } else {
        #if MICROPY_PY_BUILTINS_FLOAT
        mp_float_t t = mp_obj_get_float(timeout_in);
        #else
        mp_int_t t = mp_obj_get_int(timeout_in);
        #endif
        if (t < 0) {
            mp_raise_ValueError(MP_ERROR_TEXT("timeout must be >= 0"));
        }
        self->timeout_ms = (int)(t * 1000);
        if (t > 0 && self->timeout_ms == 0) {
            self->timeout_ms = 1;
        }
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_settimeout_obj, socket_settimeout);

static mp_obj_t socket_fileno(mp_obj_t self_in) {
    host_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    return MP_OBJ_NEW_SMALL_INT(self->fd);
}
static MP_DEFINE_CONST_FUN_OBJ_1(socket_fileno_obj, socket_fileno);

static mp_obj_t socket_makefile(size_t n_args, const mp_obj_t *args) {
    // Socket objects are already streams.
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(socket_makefile_obj, 1, 3, socket_makefile);

static mp_obj_t socket_recv(mp_obj_t self_in, mp_obj_t len_in) {
    host_socket_obj_t *self = socket_get_open(self_in);
    mp_int_t len = mp_obj_get_int(len_in);
    if (len < 0) {
        mp_raise_ValueError(NULL);
    }
    vstr_t vstr;
    vstr_init_len(&vstr, len);
    int err;
    mp_uint_t n = socket_stream_read(MP_OBJ_FROM_PTR(self), vstr.buf, len, &err);
    if (n == MP_STREAM_ERROR) {
        vstr_clear(&vstr);
        mp_raise_OSError(err);
    }
    vstr.len = n;
    return mp_obj_new_bytes_from_vstr(&vstr);
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_recv_obj, socket_recv);

static mp_obj_t socket_send(mp_obj_t self_in, mp_obj_t buf_in) {
    host_socket_obj_t *self = socket_get_open(self_in);
    mp_buffer_info_t bufinfo;
    mp_get_buffer_raise(buf_in, &bufinfo, MP_BUFFER_READ);
    int err;
    mp_uint_t n = socket_stream_write(MP_OBJ_FROM_PTR(self), bufinfo.buf, bufinfo.len, &err);
    if (n == MP_STREAM_ERROR) {
        mp_raise_OSError(err);
    }
    return mp_obj_new_int_from_uint(n);
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_send_obj, socket_send);

static mp_obj_t socket_sendall(mp_obj_t self_in, mp_obj_t buf_in) {
    host_socket_obj_t *self = socket_get_open(self_in);
    mp_buffer_info_t bufinfo;
    mp_get_buffer_raise(buf_in, &bufinfo, MP_BUFFER_READ);
    int err;
    mp_uint_t n = mp_stream_rw(MP_OBJ_FROM_PTR(self), bufinfo.buf, bufinfo.len, &err, MP_STREAM_RW_WRITE);
    if (n < bufinfo.len) {
        mp_raise_OSError(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_sendall_obj, socket_sendall);

static void socket_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    host_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "<socket fd=%d family=%d type=%d proto=%d>", self->fd, self->family, self->type, self->proto);
}

static const mp_rom_map_elem_t socket_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&mp_identity_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&mp_stream___exit___obj) },
    { MP_ROM_QSTR(MP_QSTR_fileno), MP_ROM_PTR(&socket_fileno_obj) },
    { MP_ROM_QSTR(MP_QSTR_connect), MP_ROM_PTR(&socket_connect_obj) },
    { MP_ROM_QSTR(MP_QSTR_bind), MP_ROM_PTR(&socket_bind_obj) },
    { MP_ROM_QSTR(MP_QSTR_listen), MP_ROM_PTR(&socket_listen_obj) },
    { MP_ROM_QSTR(MP_QSTR_accept), MP_ROM_PTR(&socket_accept_obj) },
    { MP_ROM_QSTR(MP_QSTR_setsockopt), MP_ROM_PTR(&socket_setsockopt_obj) },
    { MP_ROM_QSTR(MP_QSTR_setblocking), MP_ROM_PTR(&socket_setblocking_obj) },
    { MP_ROM_QSTR(MP_QSTR_settimeout), MP_ROM_PTR(&socket_settimeout_obj) },
    { MP_ROM_QSTR(MP_QSTR_makefile), MP_ROM_PTR(&socket_makefile_obj) },
    { MP_ROM_QSTR(MP_QSTR_send), MP_ROM_PTR(&socket_send_obj) },
    { MP_ROM_QSTR(MP_QSTR_sendall), MP_ROM_PTR(&socket_sendall_obj) },
    { MP_ROM_QSTR(MP_QSTR_recv), MP_ROM_PTR(&socket_recv_obj) },
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&mp_stream_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&mp_stream_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&mp_stream_unbuffered_readline_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&mp_stream_write_obj) },
};
static MP_DEFINE_CONST_DICT(socket_locals_dict, socket_locals_dict_table);

static const mp_stream_p_t socket_stream_p = {
    .read = socket_stream_read,
    .write = socket_stream_write,
    .ioctl = socket_stream_ioctl,
};

static MP_DEFINE_CONST_OBJ_TYPE(
    host_socket_type,
    MP_QSTR_socket,
    MP_TYPE_FLAG_NONE,
    make_new, socket_make_new,
    print, socket_print,
    protocol, &socket_stream_p,
    locals_dict, &socket_locals_dict
    );

// getaddrinfo(host, port, af=0, type=0, proto=0, flags=0) -> [(af, type, proto, '', (ip, port)), ...]
static mp_obj_t mod_socket_getaddrinfo(size_t n_args, const mp_obj_t *args) {
    const char *host = mp_obj_str_get_str(args[0]);
    mp_int_t port = mp_obj_get_int(args[1]);
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET; // the sockaddr tuple form used here is IPv4 only
    hints.ai_socktype = n_args > 3 && mp_obj_get_int(args[3]) ? mp_obj_get_int(args[3]) : SOCK_STREAM;
    hints.ai_protocol = n_args > 4 ? mp_obj_get_int(args[4]) : 0;
    hints.ai_flags = n_args > 5 ? mp_obj_get_int(args[5]) : 0;
    if (n_args > 2 && mp_obj_get_int(args[2]) != 0 && mp_obj_get_int(args[2]) != AF_INET) {
        mp_raise_OSError(MP_EINVAL);
    }
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%d", (int)port);
    struct addrinfo *res;
    int r = getaddrinfo(host, portstr, &hints, &res);
    if (r != 0) {
        // Like other ports: OSError with the (negative) resolver error code.
        mp_raise_OSError(r < 0 ? r : -r);
    }
    mp_obj_t list = mp_obj_new_list(0, NULL);
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        mp_obj_t t[5] = {
            MP_OBJ_NEW_SMALL_INT(ai->ai_family),
            MP_OBJ_NEW_SMALL_INT(ai->ai_socktype),
            MP_OBJ_NEW_SMALL_INT(ai->ai_protocol),
            MP_OBJ_NEW_QSTR(MP_QSTR_),
            sockaddr_to_obj((struct sockaddr_in *)ai->ai_addr),
        };
        mp_obj_list_append(list, mp_obj_new_tuple(5, t));
    }
    freeaddrinfo(res);
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mod_socket_getaddrinfo_obj, 2, 6, mod_socket_getaddrinfo);

static const mp_rom_map_elem_t mp_module_socket_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_socket) },
    { MP_ROM_QSTR(MP_QSTR_socket), MP_ROM_PTR(&host_socket_type) },
    { MP_ROM_QSTR(MP_QSTR_getaddrinfo), MP_ROM_PTR(&mod_socket_getaddrinfo_obj) },
    { MP_ROM_QSTR(MP_QSTR_AF_INET), MP_ROM_INT(AF_INET) },
    { MP_ROM_QSTR(MP_QSTR_SOCK_STREAM), MP_ROM_INT(SOCK_STREAM) },
    { MP_ROM_QSTR(MP_QSTR_SOCK_DGRAM), MP_ROM_INT(SOCK_DGRAM) },
    { MP_ROM_QSTR(MP_QSTR_IPPROTO_TCP), MP_ROM_INT(IPPROTO_TCP) },
    { MP_ROM_QSTR(MP_QSTR_SOL_SOCKET), MP_ROM_INT(SOL_SOCKET) },
    { MP_ROM_QSTR(MP_QSTR_SO_REUSEADDR), MP_ROM_INT(SO_REUSEADDR) },
    { MP_ROM_QSTR(MP_QSTR_SO_KEEPALIVE), MP_ROM_INT(SO_KEEPALIVE) },
    { MP_ROM_QSTR(MP_QSTR_TCP_NODELAY), MP_ROM_INT(TCP_NODELAY) },
};
static MP_DEFINE_CONST_DICT(mp_module_socket_globals, mp_module_socket_globals_table);

const mp_obj_module_t mp_module_host_socket = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&mp_module_socket_globals,
};

MP_REGISTER_MODULE(MP_QSTR_socket, mp_module_host_socket);
