// socket module of the emulated ESP8266 board: TCP sockets (connecting and listening) whose I/O
// is carried out on the host by boards/qemu_lx106/run.py (see relay.h). Implements the stream protocol, so
// read/readinto/readline/write and the ussl shim's stream I/O work on it.
#include <string.h>
#include "py/runtime.h"
#include "py/stream.h"
#include "py/mperrno.h"
#include "relay.h"

#define SOCK_AF_INET     2
#define SOCK_STREAM      1
#define SOCK_DGRAM       2
#define SOCK_IPPROTO_TCP 6

typedef struct _lx106_socket_obj_t {
    mp_obj_base_t base;
    int16_t id;         // host-side socket id, -1 once closed
    uint8_t family;
    uint8_t type;
} lx106_socket_obj_t;

static const mp_obj_type_t lx106_socket_type;

static void check_result(int32_t r) {
    if (r < 0) {
        mp_raise_OSError(-r);
    }
}

static lx106_socket_obj_t *get_open(mp_obj_t self_in) {
    lx106_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->id < 0) {
        mp_raise_OSError(MP_EBADF);
    }
    return self;
}

// Resolves a host name (or dotted quad) to IPv4 bytes through the relay.
static void resolve(mp_obj_t host_in, uint8_t ip[4]) {
    size_t len;
    const char *host = mp_obj_str_get_data(host_in, &len);
    // Fast path: dotted quad.
    int part = 0, val = 0, digits = 0;
    bool ok = len > 0;
    for (size_t i = 0; ok && i <= len; i++) {
        char c = i < len ? host[i] : '.';
        if (c >= '0' && c <= '9' && digits < 3) {
            val = val * 10 + (c - '0');
            digits++;
        } else if (c == '.' && digits > 0 && val < 256 && part < 4) {
            ip[part++] = val;
            val = 0;
            digits = 0;
        } else {
            ok = false;
        }
    }
    if (ok && part == 4) {
        return;
    }
    size_t got;
    int32_t r = relay_call(RELAY_OP_GETADDRINFO, 0, host, len, NULL, 0, ip, 4, &got);
    if (r <= RELAY_GAI_ERROR_BASE) {
        // Like the unix and lwip ports: OSError with the (negative) getaddrinfo error code.
        mp_raise_OSError(r - RELAY_GAI_ERROR_BASE);
    }
    check_result(r);
    if (got != 4) {
        mp_raise_OSError(MP_EIO);
    }
}

static mp_obj_t format_ip(const uint8_t ip[4]) {
    vstr_t vstr;
    vstr_init(&vstr, 16);
    mp_print_t print;
    vstr_init_print(&vstr, 16, &print);
    mp_printf(&print, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    return mp_obj_new_str_from_vstr(&vstr);
}

// socket.socket(af=AF_INET, type=SOCK_STREAM, proto=0)
static mp_obj_t socket_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 4, false);
    mp_int_t af = n_args > 0 ? mp_obj_get_int(args[0]) : SOCK_AF_INET;
    mp_int_t st = n_args > 1 ? mp_obj_get_int(args[1]) : SOCK_STREAM;
    if (af != SOCK_AF_INET || st != SOCK_STREAM) {
        mp_raise_OSError(MP_EAFNOSUPPORT);
    }
    uint8_t req[2] = {(uint8_t)af, (uint8_t)st};
    int32_t r = relay_call(RELAY_OP_SOCKET, 0, req, 2, NULL, 0, NULL, 0, NULL);
    check_result(r);
    lx106_socket_obj_t *s = mp_obj_malloc_with_finaliser(lx106_socket_obj_t, type);
    s->id = r;
    s->family = af;
    s->type = st;
    return MP_OBJ_FROM_PTR(s);
}

static void socket_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    lx106_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "<socket id=%d>", self->id);
}

// (host, port) -> ipv4[4] + port u16 BE, the relay's address form.
static void parse_addr(mp_obj_t addr_in, uint8_t req[6]) {
    mp_obj_t *items;
    mp_obj_get_array_fixed_n(addr_in, 2, &items);
    mp_int_t port = mp_obj_get_int(items[1]);
    if (port < 0 || port > 0xffff) {
        mp_raise_ValueError(MP_ERROR_TEXT("port out of range"));
    }
    resolve(items[0], req);
    req[4] = port >> 8;
    req[5] = port & 0xff;
}

// connect and bind: one relay call with the address.
static mp_obj_t socket_addr_call(mp_obj_t self_in, mp_obj_t addr_in, uint8_t op) {
    lx106_socket_obj_t *self = get_open(self_in);
    uint8_t req[6];
    parse_addr(addr_in, req);
    check_result(relay_call(op, self->id, req, 6, NULL, 0, NULL, 0, NULL));
    return mp_const_none;
}

static mp_obj_t socket_connect(mp_obj_t self_in, mp_obj_t addr_in) {
    return socket_addr_call(self_in, addr_in, RELAY_OP_CONNECT);
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_connect_obj, socket_connect);

static mp_obj_t socket_bind(mp_obj_t self_in, mp_obj_t addr_in) {
    return socket_addr_call(self_in, addr_in, RELAY_OP_BIND);
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_bind_obj, socket_bind);

// listen([backlog]): as on the esp8266 port, a missing or small backlog becomes a usable one.
static mp_obj_t socket_listen(size_t n_args, const mp_obj_t *args) {
    lx106_socket_obj_t *self = get_open(args[0]);
    mp_int_t backlog = n_args > 1 ? mp_obj_get_int(args[1]) : 2;
    uint8_t req[1] = {(uint8_t)(backlog < 1 ? 1 : backlog > 8 ? 8 : backlog)};
    check_result(relay_call(RELAY_OP_LISTEN, self->id, req, 1, NULL, 0, NULL, 0, NULL));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(socket_listen_obj, 1, 2, socket_listen);

// accept() -> (socket, (ip, port)); a non-blocking listener with no client raises EAGAIN.
static mp_obj_t socket_accept(mp_obj_t self_in) {
    lx106_socket_obj_t *self = get_open(self_in);
    // Allocated before the host accepts, so that a MemoryError cannot orphan a host socket.
    lx106_socket_obj_t *c = mp_obj_malloc_with_finaliser(lx106_socket_obj_t, &lx106_socket_type);
    c->id = -1;
    c->family = self->family;
    c->type = self->type;
    uint8_t peer[6];
    size_t got;
    int32_t r = relay_call(RELAY_OP_ACCEPT, self->id, NULL, 0, NULL, 0, peer, sizeof(peer), &got);
    check_result(r);
    c->id = r;
    if (got != sizeof(peer)) {
        mp_raise_OSError(MP_EIO);  // c is closed by its finaliser
    }
    mp_obj_t addr[2] = {format_ip(peer), MP_OBJ_NEW_SMALL_INT((peer[4] << 8) | peer[5])};
    mp_obj_t pair[2] = {MP_OBJ_FROM_PTR(c), mp_obj_new_tuple(2, addr)};
    return mp_obj_new_tuple(2, pair);
}
static MP_DEFINE_CONST_FUN_OBJ_1(socket_accept_obj, socket_accept);

// ---- stream protocol ----

static mp_uint_t socket_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode) {
    lx106_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->id < 0) {
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    if (size == 0) {
        return 0;
    }
    uint16_t want = size > RELAY_MAX_PAYLOAD ? RELAY_MAX_PAYLOAD : size;
    uint8_t req[2] = {(uint8_t)want, (uint8_t)(want >> 8)};
    size_t got;
    int32_t r = relay_call(RELAY_OP_RECV, self->id, req, 2, NULL, 0, buf, want, &got);
    if (r < 0) {
        *errcode = -r;
        return MP_STREAM_ERROR;
    }
    return got;
}

static mp_uint_t socket_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode) {
    lx106_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->id < 0) {
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    mp_uint_t n = size > RELAY_MAX_PAYLOAD ? RELAY_MAX_PAYLOAD : size;
    int32_t r = relay_call(RELAY_OP_SEND, self->id, buf, n, NULL, 0, NULL, 0, NULL);
    if (r < 0) {
        *errcode = -r;
        return MP_STREAM_ERROR;
    }
    return r;
}

static mp_uint_t socket_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    lx106_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (request == MP_STREAM_CLOSE) {
        if (self->id >= 0) {
            relay_call(RELAY_OP_CLOSE, self->id, NULL, 0, NULL, 0, NULL, 0, NULL);
            self->id = -1;
        }
        return 0;
    }
    if (self->id < 0) {
        if (request == MP_STREAM_POLL) {
            return MP_STREAM_POLL_NVAL;
        }
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    if (request == MP_STREAM_POLL) {
        uint8_t req[2] = {(uint8_t)arg, (uint8_t)(arg >> 8)};
        int32_t r = relay_call(RELAY_OP_POLL, self->id, req, 2, NULL, 0, NULL, 0, NULL);
        if (r < 0) {
            *errcode = -r;
            return MP_STREAM_ERROR;
        }
        return r;
    }
    if (request == MP_STREAM_GET_FILENO) {
        return self->id; // the relay's socket id: what select.poll waits on (select_wait.c)
    }
    *errcode = MP_EINVAL;
    return MP_STREAM_ERROR;
}

// ---- methods ----

static mp_obj_t socket_send(mp_obj_t self_in, mp_obj_t buf_in) {
    get_open(self_in);
    mp_buffer_info_t bufinfo;
    mp_get_buffer_raise(buf_in, &bufinfo, MP_BUFFER_READ);
    int err;
    mp_uint_t r = socket_write(self_in, bufinfo.buf, bufinfo.len, &err);
    if (r == MP_STREAM_ERROR) {
        mp_raise_OSError(err);
    }
    return MP_OBJ_NEW_SMALL_INT(r);
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_send_obj, socket_send);

static mp_obj_t socket_sendall(mp_obj_t self_in, mp_obj_t buf_in) {
    get_open(self_in);
    mp_buffer_info_t bufinfo;
    mp_get_buffer_raise(buf_in, &bufinfo, MP_BUFFER_READ);
    mp_stream_write(self_in, bufinfo.buf, bufinfo.len, MP_STREAM_RW_WRITE);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_sendall_obj, socket_sendall);

static mp_obj_t socket_recv(mp_obj_t self_in, mp_obj_t len_in) {
    get_open(self_in);
    mp_int_t len = mp_obj_get_int(len_in);
    if (len < 0) {
        mp_raise_ValueError(NULL);
    }
    vstr_t vstr;
    vstr_init_len(&vstr, len);
    int err;
    mp_uint_t r = socket_read(self_in, vstr.buf, len, &err);
    if (r == MP_STREAM_ERROR) {
        vstr_clear(&vstr);
        mp_raise_OSError(err);
    }
    vstr.len = r;
    return mp_obj_new_bytes_from_vstr(&vstr);
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_recv_obj, socket_recv);

static void set_timeout_ms(lx106_socket_obj_t *self, uint32_t ms) {
    uint8_t req[4] = {(uint8_t)ms, (uint8_t)(ms >> 8), (uint8_t)(ms >> 16), (uint8_t)(ms >> 24)};
    check_result(relay_call(RELAY_OP_SETTIMEOUT, self->id, req, 4, NULL, 0, NULL, 0, NULL));
}

static mp_obj_t socket_setblocking(mp_obj_t self_in, mp_obj_t flag_in) {
    set_timeout_ms(get_open(self_in), mp_obj_is_true(flag_in) ? 0xffffffffu : 0);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_setblocking_obj, socket_setblocking);

static mp_obj_t socket_settimeout(mp_obj_t self_in, mp_obj_t t_in) {
    uint32_t ms;
    if (t_in == mp_const_none) {
        ms = 0xffffffffu;
    } else {
        #if MICROPY_PY_BUILTINS_FLOAT
        mp_float_t t = mp_obj_get_float(t_in);
        ms = t <= 0 ? 0 : (uint32_t)(t * 1000);
        if (t > 0 && ms == 0) {
            ms = 1;
        }
        #else
        mp_int_t t = mp_obj_get_int(t_in);
        ms = t <= 0 ? 0 : (uint32_t)t * 1000;
        #endif
    }
    set_timeout_ms(get_open(self_in), ms);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_settimeout_obj, socket_settimeout);

static mp_obj_t socket_setsockopt(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    get_open(args[0]);  // options are accepted and ignored (the host socket keeps its defaults)
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(socket_setsockopt_obj, 4, 4, socket_setsockopt);

static mp_obj_t socket_makefile(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(socket_makefile_obj, 1, 3, socket_makefile);

static const mp_rom_map_elem_t socket_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&mp_identity_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&mp_stream___exit___obj) },
    { MP_ROM_QSTR(MP_QSTR_connect), MP_ROM_PTR(&socket_connect_obj) },
    { MP_ROM_QSTR(MP_QSTR_bind), MP_ROM_PTR(&socket_bind_obj) },
    { MP_ROM_QSTR(MP_QSTR_listen), MP_ROM_PTR(&socket_listen_obj) },
    { MP_ROM_QSTR(MP_QSTR_accept), MP_ROM_PTR(&socket_accept_obj) },
    { MP_ROM_QSTR(MP_QSTR_send), MP_ROM_PTR(&socket_send_obj) },
    { MP_ROM_QSTR(MP_QSTR_sendall), MP_ROM_PTR(&socket_sendall_obj) },
    { MP_ROM_QSTR(MP_QSTR_recv), MP_ROM_PTR(&socket_recv_obj) },
    { MP_ROM_QSTR(MP_QSTR_setblocking), MP_ROM_PTR(&socket_setblocking_obj) },
    { MP_ROM_QSTR(MP_QSTR_settimeout), MP_ROM_PTR(&socket_settimeout_obj) },
    { MP_ROM_QSTR(MP_QSTR_setsockopt), MP_ROM_PTR(&socket_setsockopt_obj) },
    { MP_ROM_QSTR(MP_QSTR_makefile), MP_ROM_PTR(&socket_makefile_obj) },
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&mp_stream_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&mp_stream_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&mp_stream_unbuffered_readline_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&mp_stream_write_obj) },
};
static MP_DEFINE_CONST_DICT(socket_locals_dict, socket_locals_dict_table);

static const mp_stream_p_t socket_stream_p = {
    .read = socket_read,
    .write = socket_write,
    .ioctl = socket_ioctl,
};

static MP_DEFINE_CONST_OBJ_TYPE(
    lx106_socket_type,
    MP_QSTR_socket,
    MP_TYPE_FLAG_NONE,
    make_new, socket_make_new,
    print, socket_print,
    protocol, &socket_stream_p,
    locals_dict, &socket_locals_dict
    );

// getaddrinfo(host, port, af=0, type=0, proto=0, flags=0)
static mp_obj_t socket_getaddrinfo(size_t n_args, const mp_obj_t *args) {
    uint8_t ip[4];
    resolve(args[0], ip);
    mp_obj_t addr[2] = {format_ip(ip), MP_OBJ_NEW_SMALL_INT(mp_obj_get_int(args[1]))};
    mp_obj_t entry[5] = {
        MP_OBJ_NEW_SMALL_INT(SOCK_AF_INET),
        MP_OBJ_NEW_SMALL_INT(SOCK_STREAM),
        MP_OBJ_NEW_SMALL_INT(SOCK_IPPROTO_TCP),
        MP_OBJ_NEW_QSTR(MP_QSTR_),
        mp_obj_new_tuple(2, addr),
    };
    mp_obj_t list = mp_obj_new_list(0, NULL);
    mp_obj_list_append(list, mp_obj_new_tuple(5, entry));
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(socket_getaddrinfo_obj, 2, 6, socket_getaddrinfo);

static const mp_rom_map_elem_t socket_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_socket) },
    { MP_ROM_QSTR(MP_QSTR_socket), MP_ROM_PTR(&lx106_socket_type) },
    { MP_ROM_QSTR(MP_QSTR_getaddrinfo), MP_ROM_PTR(&socket_getaddrinfo_obj) },
    { MP_ROM_QSTR(MP_QSTR_AF_INET), MP_ROM_INT(SOCK_AF_INET) },
    { MP_ROM_QSTR(MP_QSTR_SOCK_STREAM), MP_ROM_INT(SOCK_STREAM) },
    { MP_ROM_QSTR(MP_QSTR_SOCK_DGRAM), MP_ROM_INT(SOCK_DGRAM) },
    { MP_ROM_QSTR(MP_QSTR_IPPROTO_TCP), MP_ROM_INT(SOCK_IPPROTO_TCP) },
    { MP_ROM_QSTR(MP_QSTR_SOL_SOCKET), MP_ROM_INT(1) },
    { MP_ROM_QSTR(MP_QSTR_SO_REUSEADDR), MP_ROM_INT(2) },
};
static MP_DEFINE_CONST_DICT(socket_module_globals, socket_module_globals_table);

const mp_obj_module_t mp_module_socket = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&socket_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_socket, mp_module_socket);
