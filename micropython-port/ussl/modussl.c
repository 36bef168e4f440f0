/*
 * ussl: TLS 1.3 for MicroPython (client and server), a thin shim over the sans-I/O C ABI
 * of the Rust engine (ussl_engine.h).
 *
 *   ussl.wrap_socket(sock, server_side=False, key=None, cert=None, cert_reqs=CERT_NONE,
 *                    cadata=None, server_hostname=None, do_handshake=True) -> SSLSocket
 *   ussl.SSLContext(PROTOCOL_TLS_CLIENT | PROTOCOL_TLS_SERVER): verify_mode (CERT_REQUIRED by
 *       default for a client), verify_flags (0 or VERIFY_X509_NO_CHECK_TIME: certificate dates
 *       not checked), load_verify_locations(cadata), get_ciphers(), set_ciphers(list),
 *       wrap_socket(sock, *, server_side=False, do_handshake_on_connect=True, server_hostname=None)
 *       load_cert_chain(cert, key): our certificate chain and P-256 key (a client's for servers
 *       that ask for one; a server's, required), set_psk_identity(id), set_psk_key(key): a
 *       TLS 1.3 external pre-shared key (client side)
 *   Server side: SSLContext(PROTOCOL_TLS_SERVER) + load_cert_chain, wrap_socket(sock,
 *   server_side=True) on an accepted socket; verify_mode CERT_OPTIONAL/CERT_REQUIRED with
 *   load_verify_locations asks clients for a certificate and checks it. Builds with
 *   MICROPY_USSL_SERVER 0 refuse it with a clear error.
 *
 * The SSL socket is a MicroPython stream (read/write/ioctl), so the generic stream helpers
 * work on it: read, readinto, readline, write, close; recv/recv_into/send/sendall go through
 * the same stream paths, and cipher() reports the negotiated suite. The underlying `sock` can be any object
 * implementing the stream protocol; its bytes are moved with mp_stream_rw.
 *
 * Memory: the engine state and its record buffers are allocated on the GC heap, referenced
 * from the SSL socket object (so the GC keeps them alive and never moves them) and released
 * on close(). Only small buffers live on the C stack (8 KiB in total on the ESP8266).
 *
 * Errors: engine failures raise OSError(code, message) with the engine's negative code and
 * ussl_error_message() text; socket failures raise OSError(errno). On a non-blocking
 * underlying socket, would-block is reported upward (read -> None) instead of looping.
 *
 * Stack: every engine call that may run the TLS state machine (and so crypto) goes through
 * MICROPY_USSL_ENGINE_CALL, so a port with a small C stack can run the engine on a stack of
 * its own (the emulated ESP8266 does, see micropython-port/lx106/engine_stack.c). The engine
 * never calls back into MicroPython (only ussl_platform_entropy): no allocation, GC or
 * exception happens during such a call, and the shim must keep it that way.
 *
 * Builds against MicroPython v1.23 and v1.24 (no version-specific API is used; the
 * MP_STREAM_RAISE_ERROR hook of newer cores is used when present).
 */
#include <string.h>

#include "py/gc.h"
#include "py/mperrno.h"
#include "py/objexcept.h"
#include "py/objstr.h"
#include "py/runtime.h"
#include "py/stream.h"

#include "ussl_engine.h"

// Size of the outgoing record buffer (at least ussl_min_tx_buffer()).
#ifndef MICROPY_USSL_TX_BUFFER
#define MICROPY_USSL_TX_BUFFER (2048)
#endif

// Size of the incoming record buffer. 0: ussl_min_rx_buffer() (one full TLS record, works
// with any server). A port short of RAM may set a smaller size (the engine accepts down to
// USSL_RX_BUFFER_MIN and then asks the server for a smaller max_fragment_length).
#ifndef MICROPY_USSL_RX_BUFFER
#define MICROPY_USSL_RX_BUFFER (0)
#endif

// Port hook: MICROPY_USSL_ENGINE_CALL(fn, arg) must call fn(arg) and return; a port may run
// fn on a separate stack. Default: a direct call on the interpreter's C stack.
#ifndef MICROPY_USSL_ENGINE_CALL
#define MICROPY_USSL_ENGINE_CALL(fn, arg) ((fn)(arg))
#endif

// Port hook: MICROPY_USSL_SHARED_STACK_SIZE (bytes, 0: none). When set, the shim takes one
// block of that size from the GC heap when the first engine is created and keeps it until
// the last engine is freed; ussl_engine_stack_top() gives the port its top,
// for MICROPY_USSL_ENGINE_CALL to run the engine on (the ESP8266's 8 KiB C stack cannot hold
// it). Kept alive by the sockets that hold an engine (no root pointer needed). One block for every connection, as
// BearSSL's stack thunk on the ESP8266 Arduino core (a block per call failed in 6 of the 15
// board test scripts on the 38 KiB heap); taken before the first connection's own buffers,
// while the heap is least split.
#ifndef MICROPY_USSL_SHARED_STACK_SIZE
#define MICROPY_USSL_SHARED_STACK_SIZE (0)
#endif

// Whether the stack engine calls run on is large enough for certificate verification
// (embedded-tls's verifier). A port that sets 0 must define MICROPY_USSL_ENGINE_STACK_SIZE
// (and may define MICROPY_USSL_VERIFY_STACK_NEED, the measured need): wrap_socket then
// refuses to verify (CERT_OPTIONAL/CERT_REQUIRED with cadata) with a clear OSError instead
// of overflowing.
#ifndef MICROPY_USSL_VERIFY_STACK_OK
#define MICROPY_USSL_VERIFY_STACK_OK (1)
#endif

// Port hook: MICROPY_USSL_UNIX_TIME() is the current unix time (int64_t) for the
// certificates' validity dates, or 0 while the clock was never set (verification then fails
// with "clock not set"). Default: C's time().
#ifndef MICROPY_USSL_UNIX_TIME
#include <time.h>
#define MICROPY_USSL_UNIX_TIME() ((int64_t)time(NULL))
#endif

// Verification modes (the engine header defines them too; same values).
#ifndef USSL_CERT_NONE
#define USSL_CERT_NONE 0
#endif
#ifndef USSL_CERT_OPTIONAL
#define USSL_CERT_OPTIONAL 1
#endif
#ifndef USSL_CERT_REQUIRED
#define USSL_CERT_REQUIRED 2
#endif

enum { OP_HANDSHAKE, OP_READ, OP_WRITE };

// Room for the server's leaf certificate during the handshake (getpeercert); trimmed to the
// certificate's size once the handshake is done. 0 turns getpeercert off.
// Client certificates (load_cert_chain); 0 where the engine is built without them (its cargo
// feature client-cert): load_cert_chain then raises OSError(EOPNOTSUPP) after its type checks.
#ifndef MICROPY_USSL_CLIENT_CERTS
#define MICROPY_USSL_CLIENT_CERTS (1)
#endif

// SSLContext.set_psk_identity / set_psk_key (TLS 1.3 external PSK); 0 leaves them out (flash).
#ifndef MICROPY_USSL_PSK
#define MICROPY_USSL_PSK (1)
#endif

#ifndef MICROPY_USSL_PEER_CERT_MAX
#define MICROPY_USSL_PEER_CERT_MAX (2048)
#endif

// Server side (server_side=True, PROTOCOL_TLS_SERVER; the engine's cargo feature server);
// 0 leaves it out (flash) and refuses it with OSError(EOPNOTSUPP, reason).
#ifndef MICROPY_USSL_SERVER
#define MICROPY_USSL_SERVER (1)
#endif
#if MICROPY_USSL_SERVER && !MICROPY_USSL_CLIENT_CERTS
#error "MICROPY_USSL_SERVER needs MICROPY_USSL_CLIENT_CERTS (load_cert_chain; the engine's server feature includes client-cert)"
#endif

typedef struct _ussl_socket_obj_t {
    mp_obj_base_t base;
    mp_obj_t sock;              // underlying stream; MP_OBJ_NULL once closed
    UsslEngine *engine;         // NULL once freed
    uint8_t *mem;               // engine memory as allocated (GC heap)
    uint8_t *rx;                // incoming record buffer
    uint8_t *tx;                // outgoing record buffer
    #if MICROPY_USSL_SHARED_STACK_SIZE > 0
    uint8_t *engine_stack;      // the shared engine stack, while this object has an engine
    #endif
    uint8_t *ca;                // private copy of cadata as DER (engine keeps a pointer), or
                                // NULL when the DER object itself is referenced (ca_obj)
    mp_obj_t ca_obj;            // immutable DER objects the handshake reads in place (no copy),
    mp_obj_t client_cert_obj;   // kept alive by these references until it ends
    uint8_t *peer_cert;         // server's leaf certificate (DER), see MICROPY_USSL_PEER_CERT_MAX
    uint8_t *client_cert;       // private copies of the client chain and key (DER; engine
    uint8_t *client_key;        // keeps pointers); the key is wiped before it is freed
    size_t client_cert_len;
    size_t client_key_len;
    uint8_t *psk;               // private copies of the PSK (wiped before it is freed) and
    uint8_t *psk_id;            // its identity
    size_t psk_len;
    size_t psk_id_len;
    size_t peer_cert_cap;
    int32_t peer_cert_len;      // > 0: DER length; 0: none; < 0: engine code (too large)
    bool peer_cert_nomem;       // the heap had no room for the buffer: getpeercert says so
    size_t mem_len;
    uint8_t *hs;                // the engine's handshake memory, freed once it is done with it
    size_t hs_len;
    size_t rx_len;
    size_t tx_len;
    size_t ca_len;
    UsslClientConfig cfg;
    int32_t last_error;         // sticky engine error (< 0) or socket errno (> 0)
    bool handshake_done;
    bool eof_fed;
    // poll support (ussl_sock_ioctl): the socket direction the engine waits for after a
    // would-block (MP_STREAM_POLL_RD/WR, 0: none), and one byte a poll probe read early.
    uint8_t poll_need;
    bool has_peek;
    uint8_t peek;
} ussl_socket_obj_t;

static const mp_obj_type_t ussl_socket_type;
static void ussl_keep_peer_cert(ussl_socket_obj_t *self);
static void ussl_after_handshake(ussl_socket_obj_t *self);

/******************************************************************************/
// Errors

// OSError(code, text): the code (engine code or errno) with a readable reason.
static mp_obj_t ussl_make_error_text(int32_t code, const char *msg) {
    mp_obj_t args[2] = {
        MP_OBJ_NEW_SMALL_INT(code),
        mp_obj_new_str(msg, strlen(msg)),
    };
    return mp_obj_new_exception_args(&mp_type_OSError, 2, args);
}

static NORETURN void ussl_raise_text(int32_t code, const char *msg) {
    nlr_raise(ussl_make_error_text(code, msg));
}

static mp_obj_t ussl_make_error(int32_t code) {
    const char *msg = ussl_error_message(code);
    return ussl_make_error_text(code, msg != NULL ? msg : "TLS error");
}

// err < 0: engine code (OSError(code, message)); err > 0: errno (OSError(errno)).
static NORETURN void ussl_raise(int err) {
    if (err < 0) {
        nlr_raise(ussl_make_error(err));
    }
    mp_raise_OSError(err);
}

/******************************************************************************/
// Engine calls that may run the state machine, routed through MICROPY_USSL_ENGINE_CALL.

enum { CALL_NEW, CALL_NEW_SERVER, CALL_COMMIT, CALL_FEED_EOF, CALL_CONSUME, CALL_HANDSHAKE, CALL_READ, CALL_WRITE, CALL_CLOSE, CALL_FREE };

typedef struct _ussl_call_t {
    uint8_t op;
    UsslEngine *e;
    uint8_t *buf;
    size_t len;
    size_t taken;               // CALL_COMMIT result
    int32_t ret;                // result of the other calls
    // CALL_NEW only
    void *mem;
    size_t mem_len;
    ussl_socket_obj_t *o;
    UsslEngine **out;
    #if MICROPY_USSL_SERVER
    const UsslServerConfig *server; // CALL_NEW_SERVER only
    #endif
} ussl_call_t;

// Runs on the engine's stack: only engine functions here, nothing of MicroPython.
static void ussl_call_thunk(void *arg) {
    ussl_call_t *c = arg;
    switch (c->op) {
        case CALL_NEW:
            c->ret = ussl_client_new(c->mem, c->mem_len, c->o->rx, c->o->rx_len, c->o->tx, c->o->tx_len, &c->o->cfg, c->out);
            break;
        #if MICROPY_USSL_SERVER
        case CALL_NEW_SERVER:
            c->ret = ussl_server_new(c->mem, c->mem_len, c->o->rx, c->o->rx_len, c->o->tx, c->o->tx_len, c->server, c->out);
            break;
        #endif
        case CALL_COMMIT:
            c->taken = ussl_input_commit(c->e, c->len);
            break;
        case CALL_FEED_EOF:
            ussl_feed_eof(c->e);
            break;
        case CALL_CONSUME:
            ussl_output_consume(c->e, c->len);
            break;
        case CALL_HANDSHAKE:
            c->ret = ussl_handshake(c->e);
            break;
        case CALL_READ:
            c->ret = ussl_read(c->e, c->buf, c->len);
            break;
        case CALL_WRITE:
            c->ret = ussl_write(c->e, c->buf, c->len);
            break;
        case CALL_CLOSE:
            c->ret = ussl_close(c->e);
            break;
        default:
            ussl_engine_free(c->e);
            break;
    }
}

static void ussl_call(ussl_call_t *c) {
    MICROPY_USSL_ENGINE_CALL(ussl_call_thunk, c);
}

static int32_t ussl_engine_op(int op, UsslEngine *e, void *buf, size_t len) {
    ussl_call_t c = { .op = op, .e = e, .buf = buf, .len = len };
    ussl_call(&c);
    return c.ret;
}

#if !MICROPY_USSL_VERIFY_STACK_OK
// OSError(EOPNOTSUPP, text) for a verification request the engine stack cannot hold.
static NORETURN void ussl_raise_verify_unavailable(void) {
    vstr_t vstr;
    mp_print_t print;
    vstr_init_print(&vstr, 160, &print);
    mp_printf(&print, "certificate verification needs more stack than this board's engine stack (%u bytes",
        (unsigned)MICROPY_USSL_ENGINE_STACK_SIZE);
    #ifdef MICROPY_USSL_VERIFY_STACK_NEED
    mp_printf(&print, "; about %u needed", (unsigned)MICROPY_USSL_VERIFY_STACK_NEED);
    #endif
    mp_printf(&print, ")");
    ussl_raise_text(MP_EOPNOTSUPP, vstr_null_terminated_str(&vstr));
}
#endif

/******************************************************************************/
// Moving bytes between the engine and the underlying stream

// Send all ciphertext the engine has queued. Returns 0 or an errno (MP_EAGAIN when a
// non-blocking socket cannot take more; the rest stays queued in the engine).
static int ussl_flush_output(ussl_socket_obj_t *self) {
    for (;;) {
        size_t len = 0;
        const uint8_t *out = ussl_output(self->engine, &len);
        if (out == NULL || len == 0) {
            return 0;
        }
        int err = 0;
        mp_uint_t n = mp_stream_rw(self->sock, (void *)out, len, &err, MP_STREAM_RW_WRITE);
        if (n > 0 && n != MP_STREAM_ERROR) {
            ussl_engine_op(CALL_CONSUME, self->engine, NULL, n);
        }
        if (err != 0) {
            return err;
        }
        if (n == 0) {
            // the stream accepted nothing and reported no error: treat as a dead peer
            return MP_EIO;
        }
    }
}

// Give the engine more ciphertext: one read from the socket, straight into the engine's
// input queue (no staging buffer of the shim's). Returns 0 when progress was made, or an
// errno (MP_EAGAIN on a non-blocking socket).
static int ussl_fill_input(ussl_socket_obj_t *self) {
    if (self->eof_fed) {
        // The engine wants more although the peer has gone.
        return MP_ECONNRESET;
    }
    size_t room = 0;
    uint8_t *dst = ussl_input_buffer(self->engine, &room);
    if (dst == NULL || room == 0) {
        // The engine asked for input but cannot take any: it would never progress.
        return MP_EIO;
    }
    int err = 0;
    mp_uint_t n = mp_stream_rw(self->sock, dst, room, &err, MP_STREAM_RW_READ | MP_STREAM_RW_ONCE);
    if (err != 0) {
        return err;
    }
    if (n == 0) {
        ussl_engine_op(CALL_FEED_EOF, self->engine, NULL, 0);
        self->eof_fed = true;
        return 0;
    }
    ussl_engine_op(CALL_COMMIT, self->engine, NULL, n);
    return 0;
}

// Run one engine operation to completion (or until the socket would block).
// Returns the engine's result (>= 0), or MP_STREAM_ERROR with *errcode set to an errno
// (> 0) or an engine code (< 0).
static mp_uint_t ussl_run(ussl_socket_obj_t *self, int op, void *buf, size_t len, int *errcode) {
    if (self->sock == MP_OBJ_NULL || self->engine == NULL) {
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    if (self->last_error != 0) {
        *errcode = self->last_error;
        return MP_STREAM_ERROR;
    }
    for (;;) {
        int32_t r;
        switch (op) {
            case OP_HANDSHAKE:
                r = ussl_engine_op(CALL_HANDSHAKE, self->engine, NULL, 0);
                break;
            case OP_READ:
                r = ussl_engine_op(CALL_READ, self->engine, buf, len);
                break;
            default:
                r = ussl_engine_op(CALL_WRITE, self->engine, buf, len);
                break;
        }
        ussl_after_handshake(self);
        // Whatever the engine did, ciphertext it produced goes out now.
        int err = ussl_flush_output(self);
        if (err != 0 && !mp_is_nonblocking_error(err)) {
            self->last_error = err;
            *errcode = err;
            return MP_STREAM_ERROR;
        }
        if (r >= 0) {
            self->poll_need = 0;
            if (op == OP_HANDSHAKE) {
                self->handshake_done = true;
                ussl_keep_peer_cert(self);
            }
            // Accepted plaintext stays queued in the engine if the socket would block.
            return r;
        }
        if (r == USSL_WANT_WRITE) {
            if (err != 0) {
                self->poll_need = MP_STREAM_POLL_WR;
                *errcode = err; // would block
                return MP_STREAM_ERROR;
            }
            continue;
        }
        if (r == USSL_WANT_READ) {
            int ferr = ussl_fill_input(self);
            if (ferr == 0) {
                continue;
            }
            if (!mp_is_nonblocking_error(ferr)) {
                self->last_error = ferr;
            } else {
                self->poll_need = MP_STREAM_POLL_RD;
            }
            *errcode = ferr;
            return MP_STREAM_ERROR;
        }
        // A real engine error: sticky.
        self->last_error = r;
        *errcode = r;
        return MP_STREAM_ERROR;
    }
}

// Handshake done: the engine no longer writes the certificate buffer; keep only the
// certificate (shrinking a heap block keeps it in place) or drop the buffer.
static void ussl_keep_peer_cert(ussl_socket_obj_t *self) {
    if (self->peer_cert == NULL) {
        return;
    }
    int32_t n = ussl_peer_cert_len(self->engine);
    self->peer_cert_len = n;
    if (n > 0 && (size_t)n <= self->peer_cert_cap) {
        self->peer_cert = m_renew(uint8_t, self->peer_cert, self->peer_cert_cap, n);
        self->peer_cert_cap = n;
    } else {
        m_del(uint8_t, self->peer_cert, self->peer_cert_cap);
        self->peer_cert = NULL;
        self->peer_cert_cap = 0;
    }
}

static int ussl_ensure_handshake(ussl_socket_obj_t *self) {
    if (self->handshake_done) {
        return 0;
    }
    int err = 0;
    if (ussl_run(self, OP_HANDSHAKE, NULL, 0, &err) == MP_STREAM_ERROR) {
        return err;
    }
    return 0;
}

/******************************************************************************/
// Resources

// Overwrite secret bytes (volatile: the stores must happen although the memory is freed next).
static void ussl_wipe(void *p, size_t n) {
    volatile uint8_t *b = p;
    while (n--) {
        *b++ = 0;
    }
}

// Drop the engine (zeroizes its state) and give the buffers back to the heap. No I/O.
#if MICROPY_USSL_SHARED_STACK_SIZE > 0
// The block is kept alive by the sockets that hold an engine (each one references it, so
// the GC sees it); this pointer only finds it and is cleared with the last engine.
static uint8_t *ussl_shared_stack;
static size_t ussl_live_engines;

// Top of the shared engine stack (16-byte aligned), or NULL while no engine exists.
void *ussl_engine_stack_top(void) {
    uint8_t *b = ussl_shared_stack;
    return b == NULL ? NULL : (void *)(((uintptr_t)b + MICROPY_USSL_SHARED_STACK_SIZE) & ~(uintptr_t)15);
}

// At every (soft) reset, with a new heap: nothing refers to an old block any more.
void ussl_engine_stack_forget(void) {
    ussl_shared_stack = NULL;
    ussl_live_engines = 0;
}

// Before o's engine is created: the block exists afterwards (MemoryError otherwise).
static void ussl_stack_acquire(ussl_socket_obj_t *o) {
    if (ussl_shared_stack == NULL) {
        ussl_shared_stack = m_new(uint8_t, MICROPY_USSL_SHARED_STACK_SIZE);
    }
    o->engine_stack = ussl_shared_stack;
}

// After o's engine was freed, or its creation failed (`created` false).
static void ussl_stack_release(ussl_socket_obj_t *o, bool created) {
    o->engine_stack = NULL;
    if (created && ussl_live_engines > 0) {
        ussl_live_engines--;
    }
    if (ussl_live_engines == 0 && ussl_shared_stack != NULL) {
        uint8_t *b = ussl_shared_stack;
        ussl_shared_stack = NULL;
        if (!gc_is_locked()) {
            m_del(uint8_t, b, MICROPY_USSL_SHARED_STACK_SIZE);
        } // else (a finaliser during the sweep): unreferenced now, a later collection takes it
    }
}
#else
static void ussl_stack_release(ussl_socket_obj_t *o, bool created) {
    (void)o;
    (void)created;
}
#endif

static void ussl_free_handshake_state(ussl_socket_obj_t *self, bool free_memory);

static void ussl_release(ussl_socket_obj_t *self, bool free_memory) {
    if (self->engine != NULL) {
        ussl_engine_op(CALL_FREE, self->engine, NULL, 0);
        self->engine = NULL;
        ussl_stack_release(self, true);
    }
    if (free_memory) {
        if (self->mem != NULL) {
            m_del(uint8_t, self->mem, self->mem_len);
        }
        if (self->rx != NULL) {
            m_del(uint8_t, self->rx, self->rx_len);
        }
        if (self->tx != NULL) {
            m_del(uint8_t, self->tx, self->tx_len);
        }
        if (self->peer_cert != NULL) {
            m_del(uint8_t, self->peer_cert, self->peer_cert_cap);
        }
    }
    ussl_free_handshake_state(self, free_memory);
    self->mem = self->rx = self->tx = self->peer_cert = NULL;
    self->peer_cert_cap = 0;
}

// What only the handshake uses: the engine's handshake memory and what its configuration
// points to (CA, client chain and key, PSK). Freed once the engine is done with it (or
// with the engine). Keys are wiped even when the memory stays (finaliser: the GC frees it).
static void ussl_free_handshake_state(ussl_socket_obj_t *self, bool free_memory) {
    if (free_memory) {
        if (self->hs != NULL) {
            m_del(uint8_t, self->hs, self->hs_len);
        }
        if (self->ca != NULL) {
            m_del(uint8_t, self->ca, self->ca_len);
        }
        if (self->client_cert != NULL) {
            m_del(uint8_t, self->client_cert, self->client_cert_len);
        }
    }
    if (self->client_key != NULL) {
        ussl_wipe(self->client_key, self->client_key_len);
        if (free_memory) {
            m_del(uint8_t, self->client_key, self->client_key_len);
        }
    }
    if (self->psk != NULL) {
        ussl_wipe(self->psk, self->psk_len);
        if (free_memory) {
            m_del(uint8_t, self->psk, self->psk_len);
            m_del(uint8_t, self->psk_id, self->psk_id_len);
        }
    }
    self->client_cert = self->client_key = self->psk = self->psk_id = NULL;
    self->hs = self->ca = NULL;
    self->ca_obj = self->client_cert_obj = MP_OBJ_NULL;
    memset(&self->cfg, 0, sizeof(self->cfg));
}

// After an engine call: once the handshake has ended (either way) the engine has wiped its
// handshake memory and no longer reads its configuration's buffers: give them back.
static void ussl_after_handshake(ussl_socket_obj_t *self) {
    if (self->hs != NULL && self->engine != NULL && !ussl_handshake_mem_in_use(self->engine)) {
        ussl_free_handshake_state(self, true);
    }
}

/******************************************************************************/
// ussl.wrap_socket

static bool ussl_is_pem(const uint8_t *buf, size_t len) {
    while (len > 0 && (*buf == ' ' || *buf == '\t' || *buf == '\r' || *buf == '\n')) {
        buf++;
        len--;
    }
    return len >= 10 && memcmp(buf, "-----BEGIN", 10) == 0;
}

// A CA certificate copy, DER or PEM text (e.g. a str read from a .pem file), made DER in
// place: returns the DER length, <= 0 when the PEM cannot be decoded.
static int32_t ussl_ca_to_der(uint8_t *buf, size_t len) {
    return ussl_is_pem(buf, len) ? ussl_pem_to_der(buf, len) : (int32_t)len;
}

static bool ussl_is_stream(mp_obj_t obj) {
    const mp_obj_type_t *type = mp_obj_get_type(obj);
    if (!MP_OBJ_TYPE_HAS_SLOT(type, protocol)) {
        return false;
    }
    const mp_stream_p_t *p = MP_OBJ_TYPE_GET_SLOT(type, protocol);
    return p->read != NULL && p->write != NULL && p->ioctl != NULL;
}

#if !MICROPY_USSL_SERVER
// OSError(EOPNOTSUPP, text) for anything that needs a TLS server in a build without one.
static NORETURN void ussl_raise_no_server(void) {
    ussl_raise_text(MP_EOPNOTSUPP, "TLS server side is not built into this firmware (MICROPY_USSL_SERVER)");
}
#endif

// server_hostname argument -> SNI bytes (NULL for None); TypeError/ValueError when invalid.
static const char *ussl_get_sni(mp_obj_t hostname, size_t *sni_len) {
    *sni_len = 0;
    if (hostname == mp_const_none) {
        return NULL;
    }
    if (!mp_obj_is_str(hostname)) {
        mp_raise_TypeError(MP_ERROR_TEXT("server_hostname must be a str"));
    }
    const char *sni = mp_obj_str_get_data(hostname, sni_len);
    if (*sni_len == 0 || memchr(sni, 0, *sni_len) != NULL) {
        mp_raise_ValueError(MP_ERROR_TEXT("invalid server_hostname"));
    }
    return sni;
}

// A client certificate chain and its key (mutual TLS), as DER bytes objects checked by
// ussl_client_auth_check; MP_OBJ_NULL when none.
typedef struct _ussl_client_auth_t {
    mp_obj_t cert;
    mp_obj_t key;
    // TLS 1.3 external PSK and its identity (bytes; the key is a private copy), or MP_OBJ_NULL.
    mp_obj_t psk;
    mp_obj_t psk_id;
    // The cadata given with it when that is an immutable DER object (str/bytes, not PEM): the
    // connection references it instead of copying it. MP_OBJ_NULL: cadata is copied.
    mp_obj_t ca;
} ussl_client_auth_t;

#if MICROPY_USSL_CLIENT_CERTS || MICROPY_USSL_PSK
// A copy of a bytes object's contents on the heap.
static uint8_t *ussl_copy_bytes(mp_obj_t obj, size_t *len) {
    mp_buffer_info_t b;
    mp_get_buffer_raise(obj, &b, MP_BUFFER_READ);
    uint8_t *p = m_new(uint8_t, b.len);
    memcpy(p, b.buf, b.len);
    *len = b.len;
    return p;
}
#endif

// Create the SSL socket over `sock` (arguments already checked) and optionally run the
// handshake. Shared by ussl.wrap_socket and SSLContext.wrap_socket. `server`: the server
// side (then `client` holds our chain and key, `cert_reqs` and `cadata` are about clients).
static mp_obj_t ussl_socket_new(mp_obj_t sock, bool server, uint32_t flags, const char *sni, size_t sni_len,
    const mp_buffer_info_t *cadata, mp_int_t cert_reqs, const ussl_client_auth_t *client, bool do_handshake,
    const uint16_t *suites, size_t n_suites, size_t fragment) {
    mp_buffer_info_t ca = *cadata;
    #if !MICROPY_USSL_VERIFY_STACK_OK
    if (cert_reqs != USSL_CERT_NONE && ca.len != 0) {
        // This port's engine stack cannot hold the verifier: refuse before any I/O.
        ussl_raise_verify_unavailable();
    }
    #endif

    // The object first: everything below hangs off it, so an exception leaves only garbage.
    ussl_socket_obj_t *o = mp_obj_malloc_with_finaliser(ussl_socket_obj_t, &ussl_socket_type);
    o->sock = sock;
    o->engine = NULL;
    o->mem = o->rx = o->tx = o->ca = o->peer_cert = o->hs = NULL;
    o->hs_len = 0;
    o->client_cert = o->client_key = o->psk = o->psk_id = NULL;
    o->ca_obj = o->client_cert_obj = MP_OBJ_NULL;
    o->peer_cert_cap = 0;
    o->peer_cert_len = 0;
    o->peer_cert_nomem = false;
    #if MICROPY_USSL_SHARED_STACK_SIZE > 0
    o->engine_stack = NULL;
    #endif
    o->last_error = 0;
    o->handshake_done = false;
    o->eof_fed = false;
    o->poll_need = 0;
    o->has_peek = false;

    // The shared engine stack first (when the port takes it from the heap): the largest
    // block, taken before this connection's buffers split the free space. Given back if an
    // allocation below fails (MemoryError) and no other connection uses it.
    #if MICROPY_USSL_SHARED_STACK_SIZE > 0
    ussl_stack_acquire(o);
    nlr_buf_t nlr;
    if (nlr_push(&nlr) != 0) {
        ussl_stack_release(o, false);
        nlr_jump(nlr.ret_val);
    }
    #endif

    // Engine memory, aligned as the engine asks (GC blocks may be less aligned).
    size_t align = ussl_engine_align();
    if (align == 0) {
        align = 1;
    }
    size_t engine_size = ussl_engine_size();
    o->mem_len = engine_size + align - 1;
    o->mem = m_new(uint8_t, o->mem_len);
    uint8_t *mem = (uint8_t *)(((uintptr_t)o->mem + align - 1) & ~(uintptr_t)(align - 1));

    // Record buffers: the context's max_fragment_length, else the port's default; the
    // transmit buffer no larger than a record of that length.
    #if MICROPY_USSL_RX_BUFFER > 0
    o->rx_len = MICROPY_USSL_RX_BUFFER;
    #else
    o->rx_len = ussl_min_rx_buffer();
    #endif
    if (fragment != 0) {
        o->rx_len = ussl_rx_buffer_for_fragment(fragment);
    }
    o->rx = m_new(uint8_t, o->rx_len);
    o->tx_len = ussl_tx_buffer_for(o->rx_len, MICROPY_USSL_TX_BUFFER);
    o->tx = m_new(uint8_t, o->tx_len);

    memset(&o->cfg, 0, sizeof(o->cfg));
    // The handshake's own memory, aligned as the engine asks; given back after the handshake.
    size_t hs_align = ussl_handshake_mem_align();
    if (hs_align == 0) {
        hs_align = 1;
    }
    o->hs_len = ussl_handshake_mem_size() + hs_align - 1;
    o->hs = m_new(uint8_t, o->hs_len);
    o->cfg.handshake_mem = (void *)(((uintptr_t)o->hs + hs_align - 1) & ~(uintptr_t)(hs_align - 1));
    o->cfg.handshake_mem_len = ussl_handshake_mem_size();

    // The configuration the engine refers to: private copies, or immutable objects referenced.
    if (sni != NULL) {
        // The engine copies the name; the str object stays referenced until then anyway.
        o->cfg.server_name = (const uint8_t *)sni;
        o->cfg.server_name_len = sni_len;
    }
    if (ca.len != 0 && client->ca != MP_OBJ_NULL) {
        // DER already, and immutable: read in place (the caller checked it is cadata's object).
        o->ca_obj = client->ca;
        o->cfg.ca_len = ca.len;
        o->cfg.ca = ca.buf;
    } else if (ca.len != 0) {
        o->ca_len = ca.len;
        o->ca = m_new(uint8_t, ca.len);
        memcpy(o->ca, ca.buf, ca.len);
        int32_t der_len = ussl_ca_to_der(o->ca, o->ca_len);
        if (der_len <= 0) {
            ussl_release(o, true);
            o->sock = MP_OBJ_NULL;
            ussl_raise(der_len < 0 ? der_len : MP_EINVAL);
        }
        o->cfg.ca_len = der_len;
        o->cfg.ca = o->ca;
    }
    o->cfg.verify_mode = cert_reqs;
    #if MICROPY_USSL_CLIENT_CERTS
    if (client->cert != MP_OBJ_NULL) {
        // The chain is an immutable DER object (str or bytes, see ussl_client_der): referenced,
        // not copied. The key is copied (the context wipes its own when it is replaced).
        mp_buffer_info_t chain;
        mp_get_buffer_raise(client->cert, &chain, MP_BUFFER_READ);
        o->client_cert_obj = client->cert;
        o->client_key = ussl_copy_bytes(client->key, &o->client_key_len);
        o->cfg.client_cert = chain.buf;
        o->cfg.client_cert_len = chain.len;
        o->cfg.client_key = o->client_key;
        o->cfg.client_key_len = o->client_key_len;
    }
    #endif
    #if MICROPY_USSL_PSK
    if (client->psk != MP_OBJ_NULL) {
        o->psk = ussl_copy_bytes(client->psk, &o->psk_len);
        o->psk_id = ussl_copy_bytes(client->psk_id, &o->psk_id_len);
        o->cfg.psk = o->psk;
        o->cfg.psk_len = o->psk_len;
        o->cfg.psk_identity = o->psk_id;
        o->cfg.psk_identity_len = o->psk_id_len;
    }
    #endif
    #if MICROPY_USSL_PEER_CERT_MAX > 0
    // Optional, so taken last: a full heap (38 KiB on the ESP8266) costs getpeercert, not the
    // connection. A server does not keep the client's certificate (getpeercert: None).
    o->peer_cert = server ? NULL : m_new_maybe(uint8_t, MICROPY_USSL_PEER_CERT_MAX);
    if (server) {
    } else if (o->peer_cert != NULL) {
        o->peer_cert_cap = MICROPY_USSL_PEER_CERT_MAX;
        o->cfg.peer_cert = o->peer_cert;
        o->cfg.peer_cert_cap = o->peer_cert_cap;
    } else {
        o->peer_cert_nomem = true;
    }
    #endif
    o->cfg.now = MICROPY_USSL_UNIX_TIME();
    // The engine copies the list during ussl_client_new (NULL: every suite it has).
    o->cfg.suites = suites;
    o->cfg.suites_len = n_suites;
    o->cfg.flags = flags;

    #if MICROPY_USSL_SHARED_STACK_SIZE > 0
    nlr_pop(); // no allocation from here on
    #endif

    UsslEngine *engine = NULL;
    ussl_call_t call = { .op = CALL_NEW, .mem = mem, .mem_len = engine_size, .o = o, .out = &engine };
    #if MICROPY_USSL_SERVER
    // The server's parameters, from the same copies (the engine keeps the pointers, not this).
    UsslServerConfig scfg = {
        .cert = o->cfg.client_cert, .cert_len = o->cfg.client_cert_len,
        .key = o->cfg.client_key, .key_len = o->cfg.client_key_len,
        .suites = o->cfg.suites, .suites_len = o->cfg.suites_len,
        .verify_mode = o->cfg.verify_mode, .ca = o->cfg.ca, .ca_len = o->cfg.ca_len,
        .now = o->cfg.now, .flags = o->cfg.flags,
        .handshake_mem = o->cfg.handshake_mem, .handshake_mem_len = o->cfg.handshake_mem_len,
    };
    if (server) {
        call.op = CALL_NEW_SERVER;
        call.server = &scfg;
    }
    #else
    (void)server;
    #endif
    ussl_call(&call);
    o->cfg.suites = NULL; // the caller's list is not ours to keep
    o->cfg.suites_len = 0;
    int32_t r = call.ret;
    if (r < 0 || engine == NULL) {
        ussl_stack_release(o, false);
        ussl_release(o, true);
        o->sock = MP_OBJ_NULL;
        ussl_raise(r < 0 ? r : MP_EIO);
    }
    o->engine = engine;
    #if MICROPY_USSL_SHARED_STACK_SIZE > 0
    ussl_live_engines++;
    #endif

    if (do_handshake) {
        int err = ussl_ensure_handshake(o);
        if (err != 0 && !mp_is_nonblocking_error(err)) {
            // Free the engine and its memory now; the caller still owns (and closes) sock.
            ussl_release(o, true);
            o->sock = MP_OBJ_NULL;
            ussl_raise(err);
        }
        // On a non-blocking socket the handshake continues in later read/write calls.
    }
    return MP_OBJ_FROM_PTR(o);
}

// A load_cert_chain argument must be str or bytes (file contents, PEM or DER, as upstream's
// tls module takes them), not empty: TypeError/ValueError otherwise. Returns its data.
static const uint8_t *ussl_client_arg(mp_obj_t arg, bool key, size_t *len) {
    if (!mp_obj_is_str_or_bytes(arg)) {
        mp_raise_TypeError(key ? MP_ERROR_TEXT("key must be str or bytes") : MP_ERROR_TEXT("cert must be str or bytes"));
    }
    const char *data = mp_obj_str_get_data(arg, len);
    if (*len == 0) {
        mp_raise_ValueError(key ? MP_ERROR_TEXT("empty key") : MP_ERROR_TEXT("empty cert"));
    }
    return (const uint8_t *)data;
}

// Wipes the contents of a key bytes object made by ussl_client_der (never shared).
static void ussl_wipe_key_obj(mp_obj_t key) {
    if (key != MP_OBJ_NULL && key != mp_const_none) {
        mp_buffer_info_t b;
        mp_get_buffer_raise(key, &b, MP_BUFFER_READ);
        ussl_wipe(b.buf, b.len);
    }
}

#if MICROPY_USSL_CLIENT_CERTS
// A load_cert_chain argument -> a DER bytes object (`key`: the private-key converter; a key is
// always a fresh object, so it can be wiped). OSError(code, reason) for undecodable PEM.
static mp_obj_t ussl_client_der(mp_obj_t arg, bool key) {
    size_t len;
    const uint8_t *data = ussl_client_arg(arg, key, &len);
    if (!ussl_is_pem(data, len)) {
        return key ? mp_obj_new_bytes(data, len) : arg;
    }
    // PEM: decoded in a scratch copy, which is wiped (key text) before it goes back.
    uint8_t *tmp = m_new(uint8_t, len);
    memcpy(tmp, data, len);
    int32_t n = key ? ussl_pem_key_to_der(tmp, len) : ussl_pem_to_der(tmp, len);
    mp_obj_t der = n > 0 ? mp_obj_new_bytes(tmp, n) : MP_OBJ_NULL;
    ussl_wipe(tmp, len);
    m_del(uint8_t, tmp, len);
    if (der == MP_OBJ_NULL) {
        ussl_raise(key ? USSL_ERR_CLIENT_KEY : USSL_ERR_CLIENT_CERT);
    }
    return der;
}
#endif

// load_cert_chain / wrap_socket(key=, cert=): both as DER, checked by the engine (P-256 key
// that belongs to the first certificate). Errors as above; a build without client
// certificates raises OSError(EOPNOTSUPP, reason) once the argument types are checked.
static void ussl_load_client_auth(mp_obj_t cert, mp_obj_t key, ussl_client_auth_t *out) {
    #if !MICROPY_USSL_CLIENT_CERTS
    size_t len;
    ussl_client_arg(cert, false, &len);
    ussl_client_arg(key, true, &len);
    (void)out;
    ussl_raise_text(MP_EOPNOTSUPP, ussl_error_message(USSL_ERR_NO_CLIENT_CERTS));
    #else
    mp_obj_t cert_der = ussl_client_der(cert, false);
    mp_obj_t key_der = ussl_client_der(key, true);
    mp_buffer_info_t c, k;
    mp_get_buffer_raise(cert_der, &c, MP_BUFFER_READ);
    mp_get_buffer_raise(key_der, &k, MP_BUFFER_READ);
    int32_t r = ussl_client_auth_check(c.buf, c.len, k.buf, k.len);
    if (r != 0) {
        ussl_wipe_key_obj(key_der);
        if (r == USSL_ERR_NO_CLIENT_CERTS) {
            ussl_raise_text(MP_EOPNOTSUPP, ussl_error_message(r));
        }
        ussl_raise(r);
    }
    out->cert = cert_der;
    out->key = key_der;
    #endif
}

// cadata argument -> buffer (len 0 for None); TypeError/ValueError when unusable.
static void ussl_get_cadata(mp_obj_t cadata, mp_buffer_info_t *ca) {
    ca->buf = NULL;
    ca->len = 0;
    if (cadata != mp_const_none) {
        if (!mp_get_buffer(cadata, ca, MP_BUFFER_READ)) {
            mp_raise_TypeError(MP_ERROR_TEXT("cadata must be bytes or str"));
        }
        if (ca->len == 0) {
            mp_raise_ValueError(MP_ERROR_TEXT("empty cadata"));
        }
    }
}

// Legacy API, upstream's signature:
// wrap_socket(sock, server_side=False, key=None, cert=None, cert_reqs=CERT_NONE, cadata=None,
//             server_hostname=None, do_handshake=True)
static mp_obj_t ussl_wrap_socket(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_sock, ARG_server_side, ARG_key, ARG_cert, ARG_cert_reqs, ARG_cadata, ARG_server_hostname, ARG_do_handshake };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_sock, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_server_side, MP_ARG_BOOL, {.u_bool = false} },
        { MP_QSTR_key, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_cert, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_cert_reqs, MP_ARG_INT, {.u_int = USSL_CERT_NONE} },
        { MP_QSTR_cadata, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_server_hostname, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_do_handshake, MP_ARG_BOOL, {.u_bool = true} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);

    // Check every argument before allocating anything.
    mp_obj_t sock = args[ARG_sock].u_obj;
    if (!ussl_is_stream(sock)) {
        mp_raise_TypeError(MP_ERROR_TEXT("sock must be a stream (socket) object"));
    }
    bool server = args[ARG_server_side].u_bool;
    #if !MICROPY_USSL_SERVER
    if (server) {
        ussl_raise_no_server();
    }
    #endif
    bool has_key = args[ARG_key].u_obj != mp_const_none, has_cert = args[ARG_cert].u_obj != mp_const_none;
    if (has_key != has_cert) {
        mp_raise_ValueError(MP_ERROR_TEXT("key and cert must be given together"));
    }
    if (server && !has_key) {
        mp_raise_ValueError(MP_ERROR_TEXT("server_side=True requires key and cert"));
    }
    size_t sni_len;
    const char *sni = ussl_get_sni(args[ARG_server_hostname].u_obj, &sni_len);
    mp_buffer_info_t ca;
    ussl_get_cadata(args[ARG_cadata].u_obj, &ca);
    mp_int_t cert_reqs = args[ARG_cert_reqs].u_int;
    if (cert_reqs < USSL_CERT_NONE || cert_reqs > USSL_CERT_REQUIRED) {
        mp_raise_ValueError(MP_ERROR_TEXT("invalid cert_reqs"));
    }
    if (server && cert_reqs != USSL_CERT_NONE && ca.len == 0) {
        // A server checks client certificates against cadata.
        mp_raise_ValueError(MP_ERROR_TEXT("CERT_OPTIONAL/CERT_REQUIRED requires cadata"));
    }
    if (cert_reqs == USSL_CERT_REQUIRED && !server) {
        if (ca.len == 0) {
            mp_raise_ValueError(MP_ERROR_TEXT("CERT_REQUIRED requires cadata"));
        }
        if (sni == NULL) {
            mp_raise_ValueError(MP_ERROR_TEXT("CERT_REQUIRED requires server_hostname"));
        }
    }
    ussl_client_auth_t client = { MP_OBJ_NULL, MP_OBJ_NULL, MP_OBJ_NULL, MP_OBJ_NULL, MP_OBJ_NULL };
    if (ca.len != 0 && mp_obj_is_str_or_bytes(args[ARG_cadata].u_obj) && !ussl_is_pem(ca.buf, ca.len)) {
        client.ca = args[ARG_cadata].u_obj; // DER bytes: referenced by the connection
    }
    if (has_key) {
        ussl_load_client_auth(args[ARG_cert].u_obj, args[ARG_key].u_obj, &client);
    }
    // The socket takes its own copy of the key: this one is wiped whatever happens.
    nlr_buf_t nlr;
    if (nlr_push(&nlr) != 0) {
        ussl_wipe_key_obj(client.key);
        nlr_jump(nlr.ret_val);
    }
    mp_obj_t ss = ussl_socket_new(sock, server, 0, sni, sni_len, &ca, cert_reqs, &client, args[ARG_do_handshake].u_bool, NULL, 0, 0);
    nlr_pop();
    ussl_wipe_key_obj(client.key);
    return ss;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(ussl_wrap_socket_obj, 1, ussl_wrap_socket);

/******************************************************************************/
// ussl.SSLContext

#define USSL_PROTOCOL_TLS_CLIENT (0)
#define USSL_PROTOCOL_TLS_SERVER (1)

// Most suites a list can name: every TLS 1.3 suite the engine may have.
#define USSL_MAX_SUITES (3)

// SSLContext.verify_flags, as CPython's: OpenSSL's X509_V_FLAG_* bits. The one we honour is
// X509_V_FLAG_NO_CHECK_TIME (same value, so `ctx.verify_flags |= VERIFY_X509_NO_CHECK_TIME`
// means the same with CPython on OpenSSL): certificate dates are not checked, for devices
// whose clock cannot be set. Chain, signatures and name are still checked.
#define USSL_VERIFY_X509_NO_CHECK_TIME (0x200000)

typedef struct _ussl_context_obj_t {
    mp_obj_base_t base;
    mp_obj_t cadata;            // trust anchor as DER bytes, or None
    ussl_client_auth_t client;  // load_cert_chain's chain and key (DER), the PSK; or MP_OBJ_NULL
    uint8_t protocol;
    uint8_t verify_mode;
    uint8_t n_suites;           // 0: the engine's default list
    uint16_t suites[USSL_MAX_SUITES]; // set_ciphers(), IANA code points, preference order
    uint32_t verify_flags;
    uint16_t max_fragment;      // max_fragment_length: 512..4096, 16384 (full records); 0: the port's default
} ussl_context_obj_t;

static const mp_obj_type_t ussl_context_type;

static mp_obj_t ussl_context_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    mp_int_t protocol = mp_obj_get_int(args[0]);
    if (protocol != USSL_PROTOCOL_TLS_CLIENT && protocol != USSL_PROTOCOL_TLS_SERVER) {
        mp_raise_ValueError(MP_ERROR_TEXT("invalid protocol"));
    }
    // With a finaliser: it wipes the client key.
    ussl_context_obj_t *self = mp_obj_malloc_with_finaliser(ussl_context_obj_t, type);
    self->cadata = mp_const_none;
    self->client.cert = self->client.key = self->client.psk = self->client.psk_id = MP_OBJ_NULL;
    self->client.ca = MP_OBJ_NULL;
    self->protocol = protocol;
    self->n_suites = 0;
    // As upstream: a client verifies the server by default, a server does not ask clients.
    self->verify_mode = protocol == USSL_PROTOCOL_TLS_CLIENT ? USSL_CERT_REQUIRED : USSL_CERT_NONE;
    self->verify_flags = 0;
    self->max_fragment = 0;
    return MP_OBJ_FROM_PTR(self);
}

// SSLContext.max_fragment_length (ussl's own, as mbedTLS's mbedtls_ssl_conf_max_frag_len):
// the record size this context's connections ask the server for (RFC 6066) and size their
// buffers for: 512, 1024, 2048 or 4096; 16384 for full records (any server); None for the
// port's default (the ESP8266: 4096). A server that ignores it fails the connection with
// "record too large".
static void ussl_context_fragment_attr(ussl_context_obj_t *self, mp_obj_t *dest) {
    if (dest[0] == MP_OBJ_NULL) {
        dest[0] = self->max_fragment == 0 ? mp_const_none : MP_OBJ_NEW_SMALL_INT(self->max_fragment);
        return;
    }
    if (dest[1] == MP_OBJ_NULL) {
        return; // no deleting
    }
    mp_int_t v = dest[1] == mp_const_none ? 0 : mp_obj_get_int(dest[1]);
    if (v != 0 && v != 512 && v != 1024 && v != 2048 && v != 4096 && v != 16384) {
        mp_raise_ValueError(MP_ERROR_TEXT("max_fragment_length must be 512, 1024, 2048, 4096, 16384 or None"));
    }
    self->max_fragment = v;
    dest[0] = MP_OBJ_NULL; // stored
}

static void ussl_context_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    ussl_context_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (attr == MP_QSTR_max_fragment_length) {
        ussl_context_fragment_attr(self, dest);
        return;
    }
    if (attr != MP_QSTR_verify_mode && attr != MP_QSTR_verify_flags) {
        if (dest[0] == MP_OBJ_NULL) {
            dest[1] = MP_OBJ_SENTINEL; // continue in locals_dict
        }
        return;
    }
    if (dest[0] == MP_OBJ_NULL) {
        dest[0] = attr == MP_QSTR_verify_mode ? MP_OBJ_NEW_SMALL_INT(self->verify_mode)
            : mp_obj_new_int_from_uint(self->verify_flags);
    } else if (dest[1] != MP_OBJ_NULL) {
        mp_int_t v = mp_obj_get_int(dest[1]);
        if (attr == MP_QSTR_verify_mode) {
            if (v < USSL_CERT_NONE || v > USSL_CERT_REQUIRED) {
                mp_raise_ValueError(MP_ERROR_TEXT("invalid verify_mode"));
            }
            self->verify_mode = v;
        } else {
            // Other X509_V_FLAG_* bits would change checks we do not make: refuse them rather
            // than pretend.
            if (v < 0 || (v & ~(mp_int_t)USSL_VERIFY_X509_NO_CHECK_TIME) != 0) {
                mp_raise_ValueError(MP_ERROR_TEXT("verify_flags: only VERIFY_X509_NO_CHECK_TIME is supported"));
            }
            self->verify_flags = v;
        }
        dest[0] = MP_OBJ_NULL; // stored
    }
}

// load_verify_locations(cadata): one CA certificate, DER bytes or PEM text. Converted to DER
// (and checked as far as PEM goes) now; each connection references that bytes object (no copy).
// load_cert_chain(cert, key): the client certificate chain (leaf first) and its P-256 key,
// each str or bytes, PEM or DER, as upstream's tls module takes them (ssl.py reads the files).
// Checked now (OSError with the reason), sent when a server asks for a certificate.
static mp_obj_t ussl_context_load_cert_chain(mp_obj_t self_in, mp_obj_t cert, mp_obj_t key) {
    ussl_context_obj_t *self = MP_OBJ_TO_PTR(self_in);
    ussl_client_auth_t client;
    ussl_load_client_auth(cert, key, &client);
    ussl_wipe_key_obj(self->client.key);
    self->client.cert = client.cert;
    self->client.key = client.key;
    return mp_const_none;
}

static mp_obj_t ussl_context_del(mp_obj_t self_in) {
    ussl_context_obj_t *self = MP_OBJ_TO_PTR(self_in);
    ussl_wipe_key_obj(self->client.key);
    ussl_wipe_key_obj(self->client.psk);
    self->client.cert = self->client.key = self->client.psk = MP_OBJ_NULL;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(ussl_context_del_obj, ussl_context_del);

#if MICROPY_USSL_PSK
// set_psk_identity(identity), set_psk_key(key): a TLS 1.3 external pre-shared key, offered
// when both are set (upstream's API; the engine offers psk_dhe_ke, so ECDHE still runs). str
// or bytes, not empty, at most USSL_MAX_PSK_IDENTITY / USSL_MAX_PSK bytes (ValueError).
// The key is kept as a private copy, wiped when replaced or collected.
static mp_obj_t ussl_psk_arg(mp_obj_t arg, size_t max, bool key) {
    if (!mp_obj_is_str_or_bytes(arg)) {
        mp_raise_TypeError(key ? MP_ERROR_TEXT("PSK key must be bytes or str") : MP_ERROR_TEXT("PSK identity must be str or bytes"));
    }
    size_t len;
    const char *data = mp_obj_str_get_data(arg, &len);
    if (len == 0 || len > max) {
        mp_raise_ValueError(key ? MP_ERROR_TEXT("PSK key must be 1 to 64 bytes") : MP_ERROR_TEXT("PSK identity must be 1 to 128 bytes"));
    }
    return mp_obj_new_bytes((const byte *)data, len);
}

static mp_obj_t ussl_context_set_psk_identity(mp_obj_t self_in, mp_obj_t identity) {
    ussl_context_obj_t *self = MP_OBJ_TO_PTR(self_in);
    self->client.psk_id = ussl_psk_arg(identity, USSL_MAX_PSK_IDENTITY, false);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(ussl_context_set_psk_identity_obj, ussl_context_set_psk_identity);

static mp_obj_t ussl_context_set_psk_key(mp_obj_t self_in, mp_obj_t key) {
    ussl_context_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_obj_t copy = ussl_psk_arg(key, USSL_MAX_PSK, true);
    ussl_wipe_key_obj(self->client.psk);
    self->client.psk = copy;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(ussl_context_set_psk_key_obj, ussl_context_set_psk_key);
#endif
static MP_DEFINE_CONST_FUN_OBJ_3(ussl_context_load_cert_chain_obj, ussl_context_load_cert_chain);

static mp_obj_t ussl_context_load_verify_locations(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_cadata };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_cadata, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
    };
    ussl_context_obj_t *self = MP_OBJ_TO_PTR(pos_args[0]);
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    mp_obj_t cadata = args[ARG_cadata].u_obj;
    if (cadata == mp_const_none) {
        mp_raise_TypeError(MP_ERROR_TEXT("cadata must be bytes or str"));
    }
    mp_buffer_info_t ca;
    ussl_get_cadata(cadata, &ca);
    vstr_t vstr;
    vstr_init_len(&vstr, ca.len);
    memcpy(vstr.buf, ca.buf, ca.len);
    int32_t der_len = ussl_ca_to_der((uint8_t *)vstr.buf, vstr.len);
    if (der_len <= 0) {
        vstr_clear(&vstr);
        mp_raise_ValueError(MP_ERROR_TEXT("invalid cert: bad PEM"));
    }
    vstr.len = der_len;
    self->cadata = mp_obj_new_bytes_from_vstr(&vstr);
    // DER bytes of its own: each connection references it (no copy per connection).
    self->client.ca = self->cadata;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(ussl_context_load_verify_locations_obj, 1, ussl_context_load_verify_locations);

// get_ciphers(): as upstream, every suite the engine can negotiate (IANA names, in its
// default preference order), whatever set_ciphers chose.
static mp_obj_t ussl_context_get_ciphers(mp_obj_t self_in) {
    (void)self_in;
    uint16_t codes[USSL_MAX_SUITES];
    size_t n = ussl_cipher_suites(codes, USSL_MAX_SUITES);
    mp_obj_t list = mp_obj_new_list(0, NULL);
    for (size_t i = 0; i < n && i < USSL_MAX_SUITES; i++) {
        const char *name = ussl_cipher_suite_name(codes[i]);
        mp_obj_list_append(list, mp_obj_new_str(name, strlen(name)));
    }
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_1(ussl_context_get_ciphers_obj, ussl_context_get_ciphers);

// set_ciphers(list or tuple of names): the suites to offer, most preferred first. As upstream:
// TypeError for anything but a list/tuple of str, OSError for an empty list or a name the
// engine does not have (nothing changes then). Names: IANA's or mbedTLS's TLS 1.3 ones.
static mp_obj_t ussl_context_set_ciphers(mp_obj_t self_in, mp_obj_t ciphers) {
    ussl_context_obj_t *self = MP_OBJ_TO_PTR(self_in);
    size_t len;
    mp_obj_t *items;
    mp_obj_get_array(ciphers, &len, &items);
    if (len == 0) {
        ussl_raise_text(MP_EINVAL, "set_ciphers: empty cipher list");
    }
    uint16_t codes[USSL_MAX_SUITES];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (!mp_obj_is_str(items[i])) {
            mp_raise_TypeError(MP_ERROR_TEXT("cipher names must be str"));
        }
        size_t name_len;
        const char *name = mp_obj_str_get_data(items[i], &name_len);
        uint16_t code = ussl_cipher_suite_from_name((const uint8_t *)name, name_len);
        if (code == 0) {
            vstr_t vstr;
            mp_print_t print;
            vstr_init_print(&vstr, 48 + name_len, &print);
            mp_printf(&print, "set_ciphers: unsupported cipher suite: %.*s", (int)name_len, name);
            ussl_raise_text(MP_EINVAL, vstr_null_terminated_str(&vstr));
        }
        bool seen = false;
        for (size_t j = 0; j < n; j++) {
            seen |= codes[j] == code;
        }
        if (!seen && n < USSL_MAX_SUITES) {
            codes[n++] = code;
        }
    }
    memcpy(self->suites, codes, n * sizeof(codes[0]));
    self->n_suites = n;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(ussl_context_set_ciphers_obj, ussl_context_set_ciphers);

static mp_obj_t ussl_context_wrap_socket(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_server_side, ARG_do_handshake_on_connect, ARG_server_hostname };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_server_side, MP_ARG_KW_ONLY | MP_ARG_BOOL, {.u_bool = false} },
        { MP_QSTR_do_handshake_on_connect, MP_ARG_KW_ONLY | MP_ARG_BOOL, {.u_bool = true} },
        { MP_QSTR_server_hostname, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
    };
    ussl_context_obj_t *self = MP_OBJ_TO_PTR(pos_args[0]);
    mp_obj_t sock = pos_args[1];
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args - 2, pos_args + 2, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);

    // Check every argument before allocating anything.
    if (!ussl_is_stream(sock)) {
        mp_raise_TypeError(MP_ERROR_TEXT("sock must be a stream (socket) object"));
    }
    bool server = self->protocol == USSL_PROTOCOL_TLS_SERVER;
    if (args[ARG_server_side].u_bool != server) {
        // As CPython: the context's protocol decides the side.
        mp_raise_ValueError(server ? MP_ERROR_TEXT("a PROTOCOL_TLS_SERVER context needs server_side=True")
            : MP_ERROR_TEXT("server_side=True needs an SSLContext(PROTOCOL_TLS_SERVER)"));
    }
    uint32_t flags = (self->verify_flags & USSL_VERIFY_X509_NO_CHECK_TIME) ? USSL_FLAG_NO_TIME_CHECK : 0;
    mp_buffer_info_t ca = { .buf = NULL, .len = 0 };
    if (self->cadata != mp_const_none) {
        mp_get_buffer_raise(self->cadata, &ca, MP_BUFFER_READ);
    }
    if (server) {
        #if !MICROPY_USSL_SERVER
        ussl_raise_no_server();
        #else
        if (args[ARG_server_hostname].u_obj != mp_const_none) {
            mp_raise_ValueError(MP_ERROR_TEXT("server_hostname is for the client side"));
        }
        if (self->client.cert == MP_OBJ_NULL) {
            ussl_raise_text(MP_EINVAL, "TLS server: no certificate; call load_cert_chain(cert, key) first");
        }
        if (self->client.psk != MP_OBJ_NULL || self->client.psk_id != MP_OBJ_NULL) {
            ussl_raise_text(MP_EOPNOTSUPP, "TLS server: external PSK is not supported on the server side");
        }
        if (self->verify_mode != USSL_CERT_NONE && ca.len == 0) {
            ussl_raise_text(MP_EINVAL, "TLS server: verify_mode asks for client certificates but no CA "
                "was loaded; call load_verify_locations(cadata=...)");
        }
        ussl_client_auth_t own = { self->client.cert, self->client.key, MP_OBJ_NULL, MP_OBJ_NULL, self->client.ca };
        return ussl_socket_new(sock, true, flags, NULL, 0, &ca, self->verify_mode, &own,
            args[ARG_do_handshake_on_connect].u_bool, self->suites, self->n_suites, 0);
        #endif
    }
    size_t sni_len;
    const char *sni = ussl_get_sni(args[ARG_server_hostname].u_obj, &sni_len);
    if ((self->client.psk == MP_OBJ_NULL) != (self->client.psk_id == MP_OBJ_NULL)) {
        mp_raise_ValueError(MP_ERROR_TEXT("PSK: call both set_psk_identity and set_psk_key"));
    }
    // A PSK authenticates the server by itself (the engine then refuses certificates unless
    // a CA is loaded too).
    if (self->verify_mode == USSL_CERT_REQUIRED && (ca.len != 0 || self->client.psk == MP_OBJ_NULL)) {
        if (ca.len == 0) {
            ussl_raise_text(MP_EINVAL, "CERT_REQUIRED: no CA to verify the server against; "
                "call load_verify_locations(cadata=...) or set verify_mode = CERT_NONE");
        }
        if (sni == NULL) {
            mp_raise_ValueError(MP_ERROR_TEXT("CERT_REQUIRED requires server_hostname"));
        }
    }
    return ussl_socket_new(sock, false, flags, sni, sni_len, &ca, self->verify_mode, &self->client, args[ARG_do_handshake_on_connect].u_bool,
        self->suites, self->n_suites, self->max_fragment);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(ussl_context_wrap_socket_obj, 2, ussl_context_wrap_socket);

static const mp_rom_map_elem_t ussl_context_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_load_verify_locations), MP_ROM_PTR(&ussl_context_load_verify_locations_obj) },
    { MP_ROM_QSTR(MP_QSTR_get_ciphers), MP_ROM_PTR(&ussl_context_get_ciphers_obj) },
    { MP_ROM_QSTR(MP_QSTR_load_cert_chain), MP_ROM_PTR(&ussl_context_load_cert_chain_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&ussl_context_del_obj) },
    #if MICROPY_USSL_PSK
    { MP_ROM_QSTR(MP_QSTR_set_psk_identity), MP_ROM_PTR(&ussl_context_set_psk_identity_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_psk_key), MP_ROM_PTR(&ussl_context_set_psk_key_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR_set_ciphers), MP_ROM_PTR(&ussl_context_set_ciphers_obj) },
    { MP_ROM_QSTR(MP_QSTR_wrap_socket), MP_ROM_PTR(&ussl_context_wrap_socket_obj) },
};
static MP_DEFINE_CONST_DICT(ussl_context_locals_dict, ussl_context_locals_dict_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    ussl_context_type,
    MP_QSTR_SSLContext,
    MP_TYPE_FLAG_NONE,
    make_new, ussl_context_make_new,
    attr, ussl_context_attr,
    locals_dict, &ussl_context_locals_dict
    );

/******************************************************************************/
// SSL socket: stream protocol

static mp_uint_t ussl_sock_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode) {
    ussl_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    int err = ussl_ensure_handshake(self);
    if (err != 0) {
        *errcode = err;
        return MP_STREAM_ERROR;
    }
    if (size == 0) {
        return 0;
    }
    if (self->has_peek && self->sock != MP_OBJ_NULL) {
        // A byte a poll probe took from the engine comes first.
        self->has_peek = false;
        *(uint8_t *)buf = self->peek;
        return 1;
    }
    return ussl_run(self, OP_READ, buf, size, errcode);
}

static mp_uint_t ussl_sock_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode) {
    ussl_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    int err = ussl_ensure_handshake(self);
    if (err != 0) {
        *errcode = err;
        return MP_STREAM_ERROR;
    }
    if (size == 0) {
        return 0;
    }
    return ussl_run(self, OP_WRITE, (void *)buf, size, errcode);
}

// Whether a read would return without waiting for the socket, although the engine holds no
// decrypted bytes: the peer's close_notify was processed (read gives b'') or the connection
// failed. The engine has no query for that, so a 1-byte read finds out; a byte it returns
// (not expected: the engine decrypts as soon as bytes are fed) is kept for the next read.
static mp_uint_t ussl_poll_probe(ussl_socket_obj_t *self) {
    if (self->eof_fed) {
        return MP_STREAM_POLL_RD | MP_STREAM_POLL_HUP; // TCP closed: reads end (b'' or error)
    }
    int32_t r = ussl_engine_op(CALL_READ, self->engine, &self->peek, 1);
    if (r == 1) {
        self->has_peek = true;
        return MP_STREAM_POLL_RD;
    }
    if (r == 0) {
        return MP_STREAM_POLL_RD | MP_STREAM_POLL_HUP; // close_notify received
    }
    if (r != USSL_WANT_READ && r != USSL_WANT_WRITE) {
        self->last_error = r; // the next read/write raises it
        return MP_STREAM_POLL_RD | MP_STREAM_POLL_ERR;
    }
    return 0;
}

// MP_STREAM_POLL on the TLS socket. Readiness is what a read/write call would do now:
// - closed: POLLNVAL (as upstream), without asking the socket;
// - failed: POLLERR plus the directions asked (the next call raises the error);
// - handshake not finished, or records the socket has not taken yet: the engine needs one
//   socket direction first (self->poll_need; sending when nothing ran yet or output is
//   queued); when the socket is ready for it, the directions asked are reported, so that
//   the caller's read/write call moves the engine on (as upstream's modtls_mbedtls does);
// - established: POLLIN when decrypted bytes wait in the engine (the socket may have
//   nothing left: the classic TLS-poll bug), POLLIN|POLLHUP after the peer's close_notify,
//   otherwise whatever the socket says.
static mp_uint_t ussl_sock_poll(ussl_socket_obj_t *self, uintptr_t arg, int *errcode) {
    mp_obj_t sock = self->sock;
    if (sock == MP_OBJ_NULL || self->engine == NULL) {
        return MP_STREAM_POLL_NVAL;
    }
    const uintptr_t rdwr = MP_STREAM_POLL_RD | MP_STREAM_POLL_WR;
    const uintptr_t cond = MP_STREAM_POLL_ERR | MP_STREAM_POLL_HUP | MP_STREAM_POLL_NVAL;
    if (self->last_error != 0) {
        return (arg & rdwr) | MP_STREAM_POLL_ERR;
    }
    mp_uint_t ret = 0;
    if (self->has_peek || (self->handshake_done && ussl_pending_plaintext(self->engine) > 0)) {
        // Decrypted bytes: a read makes progress without the socket.
        ret |= arg & MP_STREAM_POLL_RD;
        if (arg == MP_STREAM_POLL_RD) {
            return ret;
        }
    }
    size_t queued = 0;
    ussl_output(self->engine, &queued);
    uintptr_t need = 0;
    if (queued > 0) {
        need = MP_STREAM_POLL_WR;
    } else if (!self->handshake_done) {
        need = self->poll_need != 0 ? self->poll_need : MP_STREAM_POLL_WR;
    }
    if (need != 0) {
        if ((arg & rdwr) == 0) {
            need = 0; // only conditions asked: pass through
        }
        mp_uint_t r = mp_get_stream(sock)->ioctl(sock, MP_STREAM_POLL, need | (arg & ~rdwr), errcode);
        if (r == MP_STREAM_ERROR) {
            return r;
        }
        if (r & need) {
            ret |= arg & rdwr;
        }
        return ret | (r & cond);
    }
    if ((arg & MP_STREAM_POLL_RD) && !(ret & MP_STREAM_POLL_RD)) {
        ret |= ussl_poll_probe(self);
        if (self->last_error != 0) {
            return ret | (arg & rdwr);
        }
    }
    mp_uint_t r = mp_get_stream(sock)->ioctl(sock, MP_STREAM_POLL, arg, errcode);
    if (r == MP_STREAM_ERROR) {
        return r;
    }
    return ret | r;
}

static mp_uint_t ussl_sock_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    ussl_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_obj_t sock = self->sock;

    if (request == MP_STREAM_CLOSE) {
        if (sock == MP_OBJ_NULL) {
            return 0; // already closed
        }
        if (self->engine != NULL && self->handshake_done && self->last_error == 0) {
            // Best effort close_notify (after any accepted plaintext); a failing or
            // non-blocking peer must not make close() fail or spin.
            for (int i = 0; i < 16; i++) {
                int32_t r = ussl_engine_op(CALL_CLOSE, self->engine, NULL, 0);
                int err = ussl_flush_output(self);
                if (r != USSL_WANT_WRITE || err != 0) {
                    break;
                }
            }
        }
        ussl_release(self, true);
        self->sock = MP_OBJ_NULL;
        // Closing the TLS socket closes the socket under it too.
        return mp_get_stream(sock)->ioctl(sock, MP_STREAM_CLOSE, 0, errcode);
    }

    if (request == MP_STREAM_POLL) {
        return ussl_sock_poll(self, arg, errcode);
    }

    #ifdef MP_STREAM_RAISE_ERROR
    if (request == MP_STREAM_RAISE_ERROR) {
        ussl_raise((int)arg);
    }
    #endif

    if (sock == MP_OBJ_NULL) {
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    // Everything else (timeouts, fileno...) belongs to the socket underneath.
    return mp_get_stream(sock)->ioctl(sock, request, arg, errcode);
}

/******************************************************************************/
// SSL socket: Python methods

// Call a generic stream method; re-raise an engine failure (OSError with a negative code
// from the stream layer) as OSError(code, message).
static mp_obj_t ussl_call_stream(const mp_obj_base_t *fun, size_t n_args, const mp_obj_t *args) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t ret = mp_call_function_n_kw(MP_OBJ_FROM_PTR(fun), n_args, 0, args);
        nlr_pop();
        return ret;
    }
    mp_obj_t exc = MP_OBJ_FROM_PTR(nlr.ret_val);
    if (mp_obj_get_type(exc) == &mp_type_OSError) {
        mp_obj_exception_t *e = MP_OBJ_TO_PTR(exc);
        if (e->args->len == 1 && mp_obj_is_small_int(e->args->items[0])
            && MP_OBJ_SMALL_INT_VALUE(e->args->items[0]) < 0) {
            ussl_raise(MP_OBJ_SMALL_INT_VALUE(e->args->items[0]));
        }
    }
    nlr_jump(nlr.ret_val);
}

static mp_obj_t ussl_sock_read_meth(size_t n_args, const mp_obj_t *args) {
    return ussl_call_stream(&mp_stream_read_obj.base, n_args, args);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(ussl_sock_read_meth_obj, 1, 2, ussl_sock_read_meth);

static mp_obj_t ussl_sock_readinto_meth(size_t n_args, const mp_obj_t *args) {
    return ussl_call_stream(&mp_stream_readinto_obj.base, n_args, args);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(ussl_sock_readinto_meth_obj, 2, 3, ussl_sock_readinto_meth);

static mp_obj_t ussl_sock_readline_meth(size_t n_args, const mp_obj_t *args) {
    return ussl_call_stream(&mp_stream_unbuffered_readline_obj.base, n_args, args);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(ussl_sock_readline_meth_obj, 1, 2, ussl_sock_readline_meth);

static mp_obj_t ussl_sock_write_meth(size_t n_args, const mp_obj_t *args) {
    return ussl_call_stream(&mp_stream_write_obj.base, n_args, args);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(ussl_sock_write_meth_obj, 2, 4, ussl_sock_write_meth);

// Socket-style names over the same stream paths: recv = read1 (at most n, one engine read),
// send = write1 (one write), sendall = write (everything).
static mp_obj_t ussl_sock_recv_meth(size_t n_args, const mp_obj_t *args) {
    return ussl_call_stream(&mp_stream_read1_obj.base, n_args, args);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(ussl_sock_recv_meth_obj, 2, 2, ussl_sock_recv_meth);

static mp_obj_t ussl_sock_send_meth(mp_obj_t self_in, mp_obj_t buf) {
    mp_obj_t args[2] = { self_in, buf };
    return ussl_call_stream(&mp_stream_write1_obj.base, 2, args);
}
static MP_DEFINE_CONST_FUN_OBJ_2(ussl_sock_send_meth_obj, ussl_sock_send_meth);

static mp_obj_t ussl_sock_sendall_meth(mp_obj_t self_in, mp_obj_t buf) {
    mp_obj_t args[2] = { self_in, buf };
    return ussl_call_stream(&mp_stream_write_obj.base, 2, args);
}
static MP_DEFINE_CONST_FUN_OBJ_2(ussl_sock_sendall_meth_obj, ussl_sock_sendall_meth);

// recv_into(buf[, n]): like a socket, returns after the first bytes (readinto fills the
// whole buffer); 0 at the end of the stream, None when a non-blocking socket would block.
static mp_obj_t ussl_sock_recv_into_meth(size_t n_args, const mp_obj_t *args) {
    mp_buffer_info_t bufinfo;
    mp_get_buffer_raise(args[1], &bufinfo, MP_BUFFER_WRITE);
    size_t len = bufinfo.len;
    if (n_args > 2) {
        mp_int_t n = mp_obj_get_int(args[2]);
        if (n < 0) {
            mp_raise_ValueError(MP_ERROR_TEXT("negative buffersize in recv_into"));
        }
        if ((size_t)n < len) {
            len = n;
        }
    }
    int err = 0;
    mp_uint_t out = mp_stream_rw(args[0], bufinfo.buf, len, &err, MP_STREAM_RW_READ | MP_STREAM_RW_ONCE);
    if (err != 0) {
        if (mp_is_nonblocking_error(err)) {
            return mp_const_none;
        }
        ussl_raise(err);
    }
    return MP_OBJ_NEW_SMALL_INT(out);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(ussl_sock_recv_into_meth_obj, 2, 3, ussl_sock_recv_into_meth);

// cipher(): (suite, protocol version) as upstream's tls module, once the handshake is done, else None.
static mp_obj_t ussl_sock_cipher(mp_obj_t self_in) {
    ussl_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->sock == MP_OBJ_NULL || !self->handshake_done) {
        return mp_const_none;
    }
    // The suite the server chose (known since its ServerHello).
    const char *suite = ussl_cipher_suite_name(ussl_cipher_suite(self->engine));
    mp_obj_t items[2] = {
        suite != NULL ? mp_obj_new_str(suite, strlen(suite)) : mp_const_none,
        mp_obj_new_str("TLSv1.3", 7),
    };
    return mp_obj_new_tuple(2, items);
}
static MP_DEFINE_CONST_FUN_OBJ_1(ussl_sock_cipher_obj, ussl_sock_cipher);

// getpeercert(binary_form=False): the server's leaf certificate as DER bytes (None if the
// server sent none); like upstream, only the binary form exists.
static mp_obj_t ussl_sock_getpeercert(size_t n_args, const mp_obj_t *args) {
    ussl_socket_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    if (n_args < 2 || !mp_obj_is_true(args[1])) {
        mp_raise_NotImplementedError(MP_ERROR_TEXT("only getpeercert(True) (DER) is supported"));
    }
    if (self->sock == MP_OBJ_NULL || !self->handshake_done) {
        mp_raise_OSError(MP_ENOTCONN);
    }
    if (self->peer_cert_len < 0) {
        ussl_raise(self->peer_cert_len);
    }
    if (self->peer_cert_nomem) {
        ussl_raise_text(MP_ENOMEM, "getpeercert: the heap had no room to keep the certificate during the handshake");
    }
    if (self->peer_cert == NULL || self->peer_cert_len == 0) {
        return mp_const_none;
    }
    return mp_obj_new_bytes(self->peer_cert, self->peer_cert_len);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(ussl_sock_getpeercert_obj, 1, 2, ussl_sock_getpeercert);

static mp_obj_t ussl_sock_do_handshake(mp_obj_t self_in) {
    ussl_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->sock == MP_OBJ_NULL) {
        mp_raise_OSError(MP_EBADF); // closed, like every other call
    }
    int err = ussl_ensure_handshake(self);
    if (err != 0) {
        if (mp_is_nonblocking_error(err)) {
            return mp_const_false; // not finished yet; call again when the socket is ready
        }
        ussl_raise(err);
    }
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_1(ussl_sock_do_handshake_obj, ussl_sock_do_handshake);

static mp_obj_t ussl_sock_setblocking(mp_obj_t self_in, mp_obj_t flag) {
    ussl_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->sock == MP_OBJ_NULL) {
        mp_raise_OSError(MP_EBADF);
    }
    mp_obj_t dest[3];
    mp_load_method(self->sock, MP_QSTR_setblocking, dest);
    dest[2] = flag;
    return mp_call_method_n_kw(1, 0, dest);
}
static MP_DEFINE_CONST_FUN_OBJ_2(ussl_sock_setblocking_obj, ussl_sock_setblocking);

// GC finaliser: drop the engine so its secrets are zeroized; no network I/O here (the socket
// underneath may already have been finalised) and no heap calls (the GC is sweeping).
static mp_obj_t ussl_sock_del(mp_obj_t self_in) {
    ussl_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    ussl_release(self, false);
    self->sock = MP_OBJ_NULL;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(ussl_sock_del_obj, ussl_sock_del);

static void ussl_sock_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    ussl_socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const char *state = self->sock == MP_OBJ_NULL ? "closed"
        : self->last_error != 0 ? "failed"
        : self->handshake_done ? "connected" : "handshaking";
    mp_printf(print, "<SSLSocket %s>", state);
}

static const mp_rom_map_elem_t ussl_socket_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&ussl_sock_read_meth_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&ussl_sock_readinto_meth_obj) },
    { MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&ussl_sock_readline_meth_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&ussl_sock_write_meth_obj) },
    { MP_ROM_QSTR(MP_QSTR_recv), MP_ROM_PTR(&ussl_sock_recv_meth_obj) },
    { MP_ROM_QSTR(MP_QSTR_recv_into), MP_ROM_PTR(&ussl_sock_recv_into_meth_obj) },
    { MP_ROM_QSTR(MP_QSTR_send), MP_ROM_PTR(&ussl_sock_send_meth_obj) },
    { MP_ROM_QSTR(MP_QSTR_sendall), MP_ROM_PTR(&ussl_sock_sendall_meth_obj) },
    { MP_ROM_QSTR(MP_QSTR_cipher), MP_ROM_PTR(&ussl_sock_cipher_obj) },
    { MP_ROM_QSTR(MP_QSTR_getpeercert), MP_ROM_PTR(&ussl_sock_getpeercert_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&ussl_sock_del_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&mp_identity_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&mp_stream___exit___obj) },
    { MP_ROM_QSTR(MP_QSTR_setblocking), MP_ROM_PTR(&ussl_sock_setblocking_obj) },
    { MP_ROM_QSTR(MP_QSTR_do_handshake), MP_ROM_PTR(&ussl_sock_do_handshake_obj) },
    { MP_ROM_QSTR(MP_QSTR_ioctl), MP_ROM_PTR(&mp_stream_ioctl_obj) },
};
static MP_DEFINE_CONST_DICT(ussl_socket_locals_dict, ussl_socket_locals_dict_table);

static const mp_stream_p_t ussl_socket_stream_p = {
    .read = ussl_sock_read,
    .write = ussl_sock_write,
    .ioctl = ussl_sock_ioctl,
};

static MP_DEFINE_CONST_OBJ_TYPE(
    ussl_socket_type,
    MP_QSTR_SSLSocket,
    MP_TYPE_FLAG_NONE,
    print, ussl_sock_print,
    protocol, &ussl_socket_stream_p,
    locals_dict, &ussl_socket_locals_dict
    );

/******************************************************************************/
// Module

static const mp_rom_map_elem_t ussl_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_ussl) },
    { MP_ROM_QSTR(MP_QSTR_wrap_socket), MP_ROM_PTR(&ussl_wrap_socket_obj) },
    { MP_ROM_QSTR(MP_QSTR_SSLSocket), MP_ROM_PTR(&ussl_socket_type) },
    { MP_ROM_QSTR(MP_QSTR_SSLContext), MP_ROM_PTR(&ussl_context_type) },
    { MP_ROM_QSTR(MP_QSTR_PROTOCOL_TLS_CLIENT), MP_ROM_INT(USSL_PROTOCOL_TLS_CLIENT) },
    { MP_ROM_QSTR(MP_QSTR_PROTOCOL_TLS_SERVER), MP_ROM_INT(USSL_PROTOCOL_TLS_SERVER) },
    { MP_ROM_QSTR(MP_QSTR_CERT_NONE), MP_ROM_INT(USSL_CERT_NONE) },
    { MP_ROM_QSTR(MP_QSTR_CERT_OPTIONAL), MP_ROM_INT(USSL_CERT_OPTIONAL) },
    { MP_ROM_QSTR(MP_QSTR_CERT_REQUIRED), MP_ROM_INT(USSL_CERT_REQUIRED) },
    { MP_ROM_QSTR(MP_QSTR_VERIFY_X509_NO_CHECK_TIME), MP_ROM_INT(USSL_VERIFY_X509_NO_CHECK_TIME) },
};
static MP_DEFINE_CONST_DICT(ussl_module_globals, ussl_module_globals_table);

const mp_obj_module_t mp_module_ussl = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&ussl_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_ussl, mp_module_ussl);

#if !MICROPY_PY_SSL
// No built-in TLS on this port: answer to `import tls` as well.
MP_REGISTER_MODULE(MP_QSTR_tls, mp_module_ussl);
#endif
