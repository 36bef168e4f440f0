// `select` module of the ussl ports: select.poll() over the stream ioctl MP_STREAM_POLL, with
// the behaviour of MicroPython's extmod/modselect.c (which is not in the source we build on):
//   poll.register(obj, eventmask=POLLIN | POLLOUT)   registering again only changes the mask
//   poll.unregister(obj)                             unknown objects are ignored
//   poll.modify(obj, eventmask)                      OSError(ENOENT) for unknown objects
//   poll.poll(timeout=-1)                            [(obj, events), ...]; timeout in ms
//   poll.ipoll(timeout=-1, flags=0)                  iterator over (obj, events), one tuple reused;
//                                                    flags=1: one-shot, a reported object's mask
//                                                    drops to 0 until modify() re-arms it
//   POLLIN, POLLOUT, POLLERR, POLLHUP                POLLERR/POLLHUP (and POLLNVAL for a closed
//                                                    object) are reported whatever the mask
// Readiness always comes from each object's ioctl, never from its descriptor alone: a TLS socket
// can be readable with nothing on its TCP socket (decrypted bytes buffered in the engine). The
// descriptors (MP_STREAM_GET_FILENO) only let the port sleep until something may have changed
// (select_port_wait), in slices, so an object whose readiness the descriptor does not show is
// asked again soon.
#include <string.h>

#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/objtuple.h"
#include "py/runtime.h"
#include "py/stream.h"

#include "modselect.h"

// Longest sleep between two rounds of ioctl calls when every object has a descriptor, and
// when some have none (custom streams: polled like upstream does, every millisecond).
#define SELECT_SLICE_MS         (10)
#define SELECT_SLICE_NOFD_MS    (1)
// Descriptors handed to the port per wait (the rest are still polled every slice).
#define SELECT_WAIT_MAX_FDS     (16)
#define FLAG_ONESHOT            (1)

typedef struct _poll_entry_t {
    mp_obj_t obj;
    mp_uint_t (*ioctl)(mp_obj_t obj, mp_uint_t request, uintptr_t arg, int *errcode);
    int fd;                 // -1: no descriptor
    uint16_t events;
    uint16_t revents;
} poll_entry_t;

typedef struct _poll_obj_t {
    mp_obj_base_t base;
    poll_entry_t *entries;  // GC heap; keeps the registered objects alive
    size_t len;
    size_t alloc;
    mp_obj_t ret_tuple;     // ipoll's reused (obj, events) tuple
    size_t iter_idx;
    size_t iter_left;
    int flags;
} poll_obj_t;

static poll_entry_t *poll_find(poll_obj_t *self, mp_obj_t obj) {
    for (size_t i = 0; i < self->len; i++) {
        if (self->entries[i].obj == obj) {
            return &self->entries[i];
        }
    }
    return NULL;
}

// The object's descriptor, or -1. A custom stream may not know the request (or raise): no fd.
// No local is written between nlr_push and a possible jump back (with a setjmp-based NLR,
// as in the sanitizer build, such a local would be indeterminate after the jump).
static int poll_get_fileno(mp_obj_t obj, const mp_stream_p_t *stream) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) != 0) {
        return -1;
    }
    int err = 0;
    mp_uint_t r = stream->ioctl(obj, MP_STREAM_GET_FILENO, 0, &err);
    nlr_pop();
    if (r != MP_STREAM_ERROR && (mp_int_t)r >= 0 && (mp_int_t)r < 0x7fffffff) {
        return (int)r;
    }
    return -1;
}

static mp_uint_t get_eventmask(mp_obj_t mask_in) {
    mp_int_t mask = mp_obj_get_int(mask_in);
    if (mask < 0 || mask > 0xffff) {
        mp_raise_ValueError(MP_ERROR_TEXT("invalid eventmask"));
    }
    return mask;
}

// register(obj[, eventmask])
static mp_obj_t poll_register(size_t n_args, const mp_obj_t *args) {
    poll_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_obj_t obj = args[1];
    mp_uint_t events = n_args > 2 ? get_eventmask(args[2]) : (MP_STREAM_POLL_RD | MP_STREAM_POLL_WR);
    poll_entry_t *e = poll_find(self, obj);
    if (e != NULL) {
        e->events = events; // as CPython: registering twice is registering once
        return mp_const_none;
    }
    const mp_stream_p_t *stream = mp_get_stream_raise(obj, MP_STREAM_OP_IOCTL);
    int fd = poll_get_fileno(obj, stream);
    if (self->len == self->alloc) {
        size_t new_alloc = self->alloc + 4;
        self->entries = m_renew(poll_entry_t, self->entries, self->alloc, new_alloc);
        self->alloc = new_alloc;
    }
    e = &self->entries[self->len++];
    e->obj = obj;
    e->ioctl = stream->ioctl;
    e->fd = fd;
    e->events = events;
    e->revents = 0;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_register_obj, 2, 3, poll_register);

// unregister(obj)
static mp_obj_t poll_unregister(mp_obj_t self_in, mp_obj_t obj) {
    poll_obj_t *self = MP_OBJ_TO_PTR(self_in);
    poll_entry_t *e = poll_find(self, obj);
    if (e != NULL) {
        // Keep registration order (results come out in it); drop the reference for the GC.
        size_t i = e - self->entries;
        // An ipoll iteration may be in progress (asyncio unregisters inside it): keep its
        // position on the entries that remain.
        if (i < self->iter_idx) {
            self->iter_idx--;
        } else if (e->revents != 0 && self->iter_left > 0) {
            self->iter_left--;
        }
        memmove(e, e + 1, (self->len - i - 1) * sizeof(*e));
        self->len--;
        memset(&self->entries[self->len], 0, sizeof(*e));
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(poll_unregister_obj, poll_unregister);

// modify(obj, eventmask)
static mp_obj_t poll_modify(mp_obj_t self_in, mp_obj_t obj, mp_obj_t mask_in) {
    poll_obj_t *self = MP_OBJ_TO_PTR(self_in);
    poll_entry_t *e = poll_find(self, obj);
    if (e == NULL) {
        mp_raise_OSError(MP_ENOENT);
    }
    e->events = get_eventmask(mask_in);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(poll_modify_obj, poll_modify);

// Asks every object once; returns how many reported something.
static size_t poll_once(poll_obj_t *self) {
    size_t ready = 0;
    for (size_t i = 0; i < self->len; i++) {
        mp_obj_t obj = self->entries[i].obj;
        int err = 0;
        mp_uint_t r = self->entries[i].ioctl(obj, MP_STREAM_POLL, self->entries[i].events, &err);
        if (r == MP_STREAM_ERROR) {
            mp_raise_OSError(err);
        }
        // A Python ioctl may have (un)registered objects meanwhile: look the entry up again.
        if (i < self->len && self->entries[i].obj == obj) {
            self->entries[i].revents = r;
            if (r != 0) {
                ready++;
            }
        }
    }
    return ready;
}

static void poll_wait(poll_obj_t *self, mp_uint_t ms) {
    select_wait_fd_t fds[SELECT_WAIT_MAX_FDS];
    size_t n = 0;
    mp_uint_t slice = SELECT_SLICE_MS;
    for (size_t i = 0; i < self->len; i++) {
        poll_entry_t *e = &self->entries[i];
        if (e->fd < 0) {
            slice = SELECT_SLICE_NOFD_MS;
        } else if (e->events != 0 && n < SELECT_WAIT_MAX_FDS) {
            fds[n].fd = e->fd;
            fds[n].events = e->events;
            n++;
        }
    }
    select_port_wait(fds, n, ms < slice ? ms : slice);
}

// timeout in ms (None or < 0: no limit) -> number of ready objects, their revents set.
static size_t poll_until(poll_obj_t *self, mp_obj_t timeout_in) {
    mp_int_t timeout = -1;
    if (timeout_in != mp_const_none) {
        timeout = mp_obj_get_int(timeout_in);
    }
    mp_uint_t start = mp_hal_ticks_ms();
    for (;;) {
        size_t ready = poll_once(self);
        if (ready > 0 || timeout == 0) {
            return ready;
        }
        mp_uint_t left = SELECT_SLICE_MS;
        if (timeout > 0) {
            mp_uint_t elapsed = mp_hal_ticks_ms() - start;
            if (elapsed >= (mp_uint_t)timeout) {
                return 0;
            }
            left = (mp_uint_t)timeout - elapsed;
        }
        poll_wait(self, left);
        mp_handle_pending(true); // Ctrl-C, scheduled callbacks
    }
}

// poll([timeout]) -> [(obj, events), ...]
static mp_obj_t poll_poll(size_t n_args, const mp_obj_t *args) {
    poll_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    size_t ready = poll_until(self, n_args > 1 ? args[1] : mp_const_none);
    mp_obj_t list = mp_obj_new_list(0, NULL);
    for (size_t i = 0; i < self->len && ready > 0; i++) {
        poll_entry_t *e = &self->entries[i];
        if (e->revents != 0) {
            mp_obj_t t[2] = { e->obj, MP_OBJ_NEW_SMALL_INT(e->revents) };
            mp_obj_list_append(list, mp_obj_new_tuple(2, t));
            ready--;
        }
    }
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_poll_obj, 1, 2, poll_poll);

// ipoll([timeout[, flags]]) -> the poll object itself, iterating over the ready objects
static mp_obj_t poll_ipoll(size_t n_args, const mp_obj_t *args) {
    poll_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    if (self->ret_tuple == MP_OBJ_NULL) {
        mp_obj_t t[2] = { mp_const_none, mp_const_none };
        self->ret_tuple = mp_obj_new_tuple(2, t);
    }
    self->flags = n_args > 2 ? mp_obj_get_int(args[2]) : 0;
    self->iter_left = poll_until(self, n_args > 1 ? args[1] : mp_const_none);
    self->iter_idx = 0;
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_ipoll_obj, 1, 3, poll_ipoll);

static mp_obj_t poll_iternext(mp_obj_t self_in) {
    poll_obj_t *self = MP_OBJ_TO_PTR(self_in);
    while (self->iter_left > 0 && self->iter_idx < self->len) {
        poll_entry_t *e = &self->entries[self->iter_idx++];
        if (e->revents == 0) {
            continue;
        }
        self->iter_left--;
        mp_obj_tuple_t *t = MP_OBJ_TO_PTR(self->ret_tuple);
        t->items[0] = e->obj;
        t->items[1] = MP_OBJ_NEW_SMALL_INT(e->revents);
        if (self->flags & FLAG_ONESHOT) {
            e->events = 0; // not polled again until modify() sets a mask
        }
        return self->ret_tuple;
    }
    self->iter_left = 0;
    return MP_OBJ_STOP_ITERATION;
}

static const mp_rom_map_elem_t poll_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_register), MP_ROM_PTR(&poll_register_obj) },
    { MP_ROM_QSTR(MP_QSTR_unregister), MP_ROM_PTR(&poll_unregister_obj) },
    { MP_ROM_QSTR(MP_QSTR_modify), MP_ROM_PTR(&poll_modify_obj) },
    { MP_ROM_QSTR(MP_QSTR_poll), MP_ROM_PTR(&poll_poll_obj) },
    { MP_ROM_QSTR(MP_QSTR_ipoll), MP_ROM_PTR(&poll_ipoll_obj) },
};
static MP_DEFINE_CONST_DICT(poll_locals_dict, poll_locals_dict_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    select_poll_type,
    MP_QSTR_poll,
    MP_TYPE_FLAG_ITER_IS_ITERNEXT,
    iter, poll_iternext,
    locals_dict, &poll_locals_dict
    );

static mp_obj_t select_poll(void) {
    poll_obj_t *self = mp_obj_malloc(poll_obj_t, &select_poll_type);
    self->entries = NULL;
    self->len = self->alloc = 0;
    self->ret_tuple = MP_OBJ_NULL;
    self->iter_idx = self->iter_left = 0;
    self->flags = 0;
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_0(select_poll_obj, select_poll);

static const mp_rom_map_elem_t select_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_select) },
    { MP_ROM_QSTR(MP_QSTR_poll), MP_ROM_PTR(&select_poll_obj) },
    { MP_ROM_QSTR(MP_QSTR_POLLIN), MP_ROM_INT(MP_STREAM_POLL_RD) },
    { MP_ROM_QSTR(MP_QSTR_POLLOUT), MP_ROM_INT(MP_STREAM_POLL_WR) },
    { MP_ROM_QSTR(MP_QSTR_POLLERR), MP_ROM_INT(MP_STREAM_POLL_ERR) },
    { MP_ROM_QSTR(MP_QSTR_POLLHUP), MP_ROM_INT(MP_STREAM_POLL_HUP) },
};
static MP_DEFINE_CONST_DICT(select_module_globals, select_module_globals_table);

const mp_obj_module_t mp_module_ussl_port_select = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&select_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_select, mp_module_ussl_port_select);
