// BearSSL's TLS 1.2 client on the emulated ESP8266, for `make bench` (the peer ussl is compared
// with). Bare metal: the board port's reset code, semihosting and socket relay
// (micropython-port/lx106/{startup.S,semihost.c,relay.c,entropy.c}), no MicroPython.
//
// Reads "<ecdsa port> <rsa port>\n" on the console (bench.py writes it), then for each case
// connects through the relay to `openssl s_server -tls1_2 -www`, runs one handshake and one
// GET (cases: chain verified; chain not checked; nothing checked, as ussl with verification off),
// and prints "BENCH <key> <value>" lines: instructions (CCOUNT delta x 25) for the
// handshake and handshake + GET, the C stack peak (stack painting) and the memory a
// connection needs. "BENCH_ERROR <case> <BearSSL error>" reports a failed case; the exit
// code is then 1.
//
// BENCH_PROFILE_MIN=0: br_ssl_client_init_full (every suite, hash and curve BearSSL has; only
// the measured suite is offered). BENCH_PROFILE_MIN=1: only what the two measured suites need
// (TLS 1.2, SHA-256, P-256, AES-128-GCM, RSA/ECDSA verification), for the flash comparison.
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "bearssl.h"
#include "semihost.h"
#include "relay.h"
#include "lx106.h"
#include "mpconfigboard.h"
#include "bench_ta.h"

#ifndef BENCH_PROFILE_MIN
#define BENCH_PROFILE_MIN 0
#endif

// max_fragment_length 4096 both ways (BearSSL derives the length it asks for from the buffer
// sizes), as the ussl board build asks for 4096: 4096 + 325 in, 4096 + 85 out.
#define BENCH_IBUF (4096 + 325)
#define BENCH_OBUF (4096 + 85)

int32_t ussl_platform_entropy(uint8_t *buf, size_t len);  // entropy.c: host /dev/urandom

static br_ssl_client_context cc;
static br_x509_minimal_context xc;
static unsigned char iobuf[BENCH_IBUF + BENCH_OBUF];
static int guard_touched;

// ---- output ------------------------------------------------------------------------------
static void put_kv(const char *key, const char *name, const char *unit, uint64_t v) {
    semi_puts(1, "BENCH ");
    semi_puts(1, key);
    if (name) {
        semi_puts(1, "_");
        semi_puts(1, name);
    }
    semi_puts(1, unit);
    semi_puts(1, " ");
    semi_put_dec(1, v);
    semi_puts(1, "\n");
}

static void put_error(const char *name, const char *what, int err) {
    semi_puts(1, "BENCH_ERROR ");
    semi_puts(1, name);
    semi_puts(1, " ");
    semi_puts(1, what);
    semi_puts(1, " ");
    semi_put_dec(1, (uint64_t)(uint32_t)err);
    semi_puts(1, "\n");
}

// ---- what the port's files expect from the board (micropython-port/lx106/lx106.h) ----------
void lx106_stack_guard_check(void) {
    for (uint32_t *p = _stack_guard; p < _stack_bottom; p++) {
        if (*p != LX106_GUARD_WORD) {
            guard_touched = 1;
        }
    }
}

void lx106_fatal_exception(uint32_t kind, uint32_t cause, uint32_t pc, uint32_t vaddr, uint32_t sp) {
    semi_puts(1, "BENCH_FATAL cpu exception kind ");
    semi_put_hex(1, kind);
    semi_puts(1, " cause ");
    semi_put_hex(1, cause);
    semi_puts(1, " pc ");
    semi_put_hex(1, pc);
    semi_puts(1, " vaddr ");
    semi_put_hex(1, vaddr);
    semi_puts(1, " sp ");
    semi_put_hex(1, sp);
    semi_puts(1, "\n");
    semi_exit(LX106_EXIT_CPU_EXC);
}

// ---- stack painting (as startup.S does at reset) ------------------------------------------
static inline uint32_t *current_sp(void) {
    uint32_t *sp;
    __asm__ volatile ("mov %0, a1" : "=r" (sp));
    return sp;
}

// Repaints the overflow zone, the guard and the unused stack below this function's frame.
static void __attribute__((noinline)) stack_repaint(void) {
    uint32_t *limit = current_sp() - 16;
    for (uint32_t *p = _stack_overflow_zone; p < _stack_guard; p++) {
        *p = LX106_STACK_PAINT;
    }
    for (uint32_t *p = _stack_guard; p < _stack_bottom; p++) {
        *p = LX106_GUARD_WORD;
    }
    for (uint32_t *p = _stack_bottom; p < limit; p++) {
        *p = LX106_STACK_PAINT;
    }
}

// Deepest use since the last repaint, in bytes; counts an overflow into the zone below.
static size_t stack_peak(void) {
    uint32_t *p = _stack_overflow_zone;
    while (p < _stack_top && (*p == LX106_STACK_PAINT || (p >= _stack_guard && p < _stack_bottom && *p == LX106_GUARD_WORD))) {
        p++;
    }
    return (size_t)((uint8_t *)_stack_top - (uint8_t *)p);
}

// ---- sockets through the relay -------------------------------------------------------------
static int sock_connect(unsigned port) {
    uint8_t st[2] = {2, 1};  // AF_INET, SOCK_STREAM
    int32_t id = relay_call(RELAY_OP_SOCKET, 0, st, 2, NULL, 0, NULL, 0, NULL);
    if (id <= 0) {
        return -1;
    }
    uint8_t addr[6] = {127, 0, 0, 1, (uint8_t)(port >> 8), (uint8_t)port};
    if (relay_call(RELAY_OP_CONNECT, (uint8_t)id, addr, 6, NULL, 0, NULL, 0, NULL) != 0) {
        relay_call(RELAY_OP_CLOSE, (uint8_t)id, NULL, 0, NULL, 0, NULL, 0, NULL);
        return -1;
    }
    return id;
}

static int sock_send(void *ctx, const unsigned char *buf, size_t len) {
    int id = *(int *)ctx;
    if (len > RELAY_MAX_PAYLOAD) {
        len = RELAY_MAX_PAYLOAD;
    }
    int32_t n = relay_call(RELAY_OP_SEND, (uint8_t)id, buf, len, NULL, 0, NULL, 0, NULL);
    return n > 0 ? (int)n : -1;
}

static int sock_recv(void *ctx, unsigned char *buf, size_t len) {
    int id = *(int *)ctx;
    if (len > RELAY_MAX_PAYLOAD) {
        len = RELAY_MAX_PAYLOAD;
    }
    uint8_t want[2] = {(uint8_t)len, (uint8_t)(len >> 8)};
    size_t got = 0;
    int32_t n = relay_call(RELAY_OP_RECV, (uint8_t)id, want, 2, NULL, 0, buf, len, &got);
    return n > 0 ? (int)got : -1;  // 0 = EOF: an error for BearSSL's I/O wrapper too
}

// ---- X.509 "engine" that checks nothing: decodes the leaf only to hand its key over --------
// (BearSSL still verifies the ServerKeyExchange signature with that key.)
typedef struct {
    const br_x509_class *vtable;
    br_x509_decoder_context dc;
    unsigned certs;
} noverify_context;

static void nv_start_chain(const br_x509_class **ctx, const char *server_name) {
    (void)server_name;
    ((noverify_context *)ctx)->certs = 0;
}
static void nv_start_cert(const br_x509_class **ctx, uint32_t length) {
    (void)length;
    noverify_context *nv = (noverify_context *)ctx;
    if (nv->certs == 0) {
        br_x509_decoder_init(&nv->dc, NULL, NULL);
    }
}
static void nv_append(const br_x509_class **ctx, const unsigned char *buf, size_t len) {
    noverify_context *nv = (noverify_context *)ctx;
    if (nv->certs == 0) {
        br_x509_decoder_push(&nv->dc, buf, len);
    }
}
static void nv_end_cert(const br_x509_class **ctx) {
    ((noverify_context *)ctx)->certs++;
}
static unsigned nv_end_chain(const br_x509_class **ctx) {
    noverify_context *nv = (noverify_context *)ctx;
    if (nv->certs == 0) {
        return BR_ERR_X509_EMPTY_CHAIN;
    }
    int err = br_x509_decoder_last_error(&nv->dc);
    return err ? (unsigned)err : 0;
}
static const br_x509_pkey *nv_get_pkey(const br_x509_class *const *ctx, unsigned *usages) {
    noverify_context *nv = (noverify_context *)ctx;
    if (usages) {
        *usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
    }
    return br_x509_decoder_get_pkey(&nv->dc);
}
static const br_x509_class noverify_vtable = {
    sizeof(noverify_context), nv_start_chain, nv_start_cert, nv_append, nv_end_cert, nv_end_chain, nv_get_pkey,
};
static noverify_context nv;

// For the case that checks nothing, as ussl with verification off (embedded-tls then skips the
// CertificateVerify signature): ServerKeyExchange's ECDSA signature accepted unchecked.
static uint32_t ecdsa_accept_unchecked(const br_ec_impl *impl, const void *hash, size_t hash_len,
    const br_ec_public_key *pk, const void *sig, size_t sig_len) {
    (void)impl, (void)hash, (void)hash_len, (void)pk, (void)sig, (void)sig_len;
    return 1;
}

// ---- client profiles -------------------------------------------------------------------------
static void client_init(const br_x509_trust_anchor *ta, uint16_t suite) {
#if BENCH_PROFILE_MIN
    // The same implementations br_ssl_client_init_full picks under BR_LOMUL, fewer of them.
    br_ssl_client_zero(&cc);
    br_ssl_engine_set_versions(&cc.eng, BR_TLS12, BR_TLS12);
    br_x509_minimal_init(&xc, &br_sha256_vtable, ta, 1);
    br_ssl_engine_set_rsavrfy(&cc.eng, &br_rsa_i15_pkcs1_vrfy);
    br_ssl_engine_set_ec(&cc.eng, &br_ec_p256_m15);
    br_ssl_engine_set_ecdsa(&cc.eng, &br_ecdsa_i15_vrfy_asn1);
    br_x509_minimal_set_rsa(&xc, &br_rsa_i15_pkcs1_vrfy);
    br_x509_minimal_set_ecdsa(&xc, &br_ec_p256_m15, &br_ecdsa_i15_vrfy_asn1);
    br_ssl_engine_set_hash(&cc.eng, br_sha256_ID, &br_sha256_vtable);
    br_x509_minimal_set_hash(&xc, br_sha256_ID, &br_sha256_vtable);
    br_ssl_engine_set_x509(&cc.eng, &xc.vtable);
    br_ssl_engine_set_prf_sha256(&cc.eng, &br_tls12_sha256_prf);
    br_ssl_engine_set_gcm(&cc.eng, &br_sslrec_in_gcm_vtable, &br_sslrec_out_gcm_vtable);
    br_ssl_engine_set_aes_ctr(&cc.eng, &br_aes_ct_ctr_vtable);
    br_ssl_engine_set_ghash(&cc.eng, &br_ghash_ctmul32);
#else
    br_ssl_client_init_full(&cc, &xc, ta, 1);
#endif
    // One suite offered, so the server cannot pick another (openssl prefers ChaCha20 otherwise).
    br_ssl_engine_set_suites(&cc.eng, &suite, 1);
}

// ---- one case: connect, handshake, GET, close --------------------------------------------------
struct bench_case {
    const char *name;
    const br_x509_trust_anchor *ta;
    uint16_t suite;
    int verify;      // 0: the X.509 engine above (no chain check)
    int check_sig;   // 0: ServerKeyExchange signature not checked either (ECDSA only)
    int rsa_server;
    int expect_err;  // nonzero: the handshake must fail with this BearSSL error (the check case)
};

// Runs the engine until the handshake is over (application data may be sent).
static int handshake(br_ssl_engine_context *eng, int *sock) {
    for (;;) {
        unsigned st = br_ssl_engine_current_state(eng);
        if (st & BR_SSL_CLOSED) {
            return -1;
        }
        if (st & BR_SSL_SENDREC) {
            size_t len;
            unsigned char *buf = br_ssl_engine_sendrec_buf(eng, &len);
            int n = sock_send(sock, buf, len);
            if (n < 0) {
                br_ssl_engine_close(eng);
                return -1;
            }
            br_ssl_engine_sendrec_ack(eng, (size_t)n);
            continue;
        }
        if (st & BR_SSL_SENDAPP) {
            return 0;
        }
        if (st & BR_SSL_RECVREC) {
            size_t len;
            unsigned char *buf = br_ssl_engine_recvrec_buf(eng, &len);
            int n = sock_recv(sock, buf, len);
            if (n < 0) {
                br_ssl_engine_close(eng);
                return -1;
            }
            br_ssl_engine_recvrec_ack(eng, (size_t)n);
            continue;
        }
        return -1;  // nothing to do and not done: should not happen
    }
}

static int run_case(const struct bench_case *c, unsigned port) {
    static const char get[] = "GET / HTTP/1.0\r\n\r\n";
    static unsigned char page[256];
    int sock = sock_connect(port);
    if (sock < 0) {
        put_error(c->name, "connect", 0);
        return -1;
    }
    stack_repaint();
    uint32_t c0 = lx106_ccount();
    client_init(c->ta, c->suite);
    br_ssl_engine_set_buffers_bidi(&cc.eng, iobuf, BENCH_IBUF, iobuf + BENCH_IBUF, BENCH_OBUF);
    if (!c->verify) {
        nv.vtable = &noverify_vtable;
        br_ssl_engine_set_x509(&cc.eng, &nv.vtable);
    }
    if (!c->check_sig) {
        br_ssl_engine_set_ecdsa(&cc.eng, ecdsa_accept_unchecked);
    }
    br_x509_minimal_set_time(&xc, BENCH_DAYS, BENCH_SECONDS);
    uint8_t seed[32];
    if (ussl_platform_entropy(seed, sizeof seed) != 0) {
        put_error(c->name, "entropy", 0);
        relay_call(RELAY_OP_CLOSE, (uint8_t)sock, NULL, 0, NULL, 0, NULL, 0, NULL);
        return -1;
    }
    br_ssl_engine_inject_entropy(&cc.eng, seed, sizeof seed);
    memset(seed, 0, sizeof seed);  // the DRBG keeps what it needs
    if (!br_ssl_client_reset(&cc, "localhost", 0) || handshake(&cc.eng, &sock) != 0) {
        int err = br_ssl_engine_last_error(&cc.eng);
        relay_call(RELAY_OP_CLOSE, (uint8_t)sock, NULL, 0, NULL, 0, NULL, 0, NULL);
        if (c->expect_err && err == c->expect_err) {
            put_kv(c->name, NULL, "", 1);
            return 0;
        }
        put_error(c->name, "handshake", err);
        return -1;
    }
    uint32_t c1 = lx106_ccount();
    if (c->expect_err) {
        put_error(c->name, "handshake succeeded, expected BearSSL error", c->expect_err);
        relay_call(RELAY_OP_CLOSE, (uint8_t)sock, NULL, 0, NULL, 0, NULL, 0, NULL);
        return -1;
    }

    br_sslio_context io;
    br_sslio_init(&io, &cc.eng, sock_recv, &sock, sock_send, &sock);
    size_t total = 0, kept = 0;
    int ok = br_sslio_write_all(&io, get, sizeof get - 1) == 0 && br_sslio_flush(&io) == 0;
    while (ok) {
        unsigned char buf[512];
        int n = br_sslio_read(&io, buf, sizeof buf);
        if (n < 0) {
            break;  // closed by the server (close_notify) or an error, told apart below
        }
        size_t take = sizeof page - kept < (size_t)n ? sizeof page - kept : (size_t)n;
        memcpy(page + kept, buf, take);  // the page's start, for the status line check
        kept += take;
        total += (size_t)n;
    }
    uint32_t c2 = lx106_ccount();
    size_t peak = stack_peak();
    int err = br_ssl_engine_last_error(&cc.eng);
    relay_call(RELAY_OP_CLOSE, (uint8_t)sock, NULL, 0, NULL, 0, NULL, 0, NULL);
    if (!ok || err != BR_ERR_OK) {
        put_error(c->name, "get", err);
        return -1;
    }
    if (kept < 12 || memcmp(page, "HTTP/1.0 200", 12) != 0) {
        put_error(c->name, "page is not HTTP/1.0 200", (int)kept);
        return -1;
    }
    if (br_ssl_engine_get_version(&cc.eng) != BR_TLS12 || cc.eng.session.cipher_suite != c->suite) {
        put_error(c->name, "negotiated other than TLS 1.2 with the offered suite", cc.eng.session.cipher_suite);
        return -1;
    }
    put_kv("handshake", c->name, "_instructions", (uint64_t)(uint32_t)(c1 - c0) * LX106_INSNS_PER_CCOUNT);
    put_kv("handshake_and_get", c->name, "_instructions", (uint64_t)(uint32_t)(c2 - c0) * LX106_INSNS_PER_CCOUNT);
    put_kv("stack_peak", c->name, "_bytes", peak);
    put_kv("page", c->name, "_bytes", total);
    return 0;
}

static unsigned read_uint(void) {
    unsigned v = 0;
    char ch;
    while (semi_read(0, &ch, 1) == 1) {
        if (ch >= '0' && ch <= '9') {
            v = v * 10 + (unsigned)(ch - '0');
        } else if (v) {
            break;
        }
    }
    return v;
}

int main(void) {
    unsigned port_ecdsa = read_uint();
    unsigned port_rsa = read_uint();
    static const struct bench_case cases[] = {
        {"ecdsa_p256_verified", &TA_EC, BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 1, 1, 0, 0},
        {"ecdsa_p256_unverified", &TA_EC, BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0, 1, 0, 0},
        {"ecdsa_p256_no_checks", &TA_EC, BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0, 0, 0, 0},
        {"rsa2048_verified", &TA_RSA, BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 1, 1, 1, 0},
        {"rsa2048_unverified", &TA_RSA, BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0, 1, 1, 0},
        // The "verified" figures verify: an unrelated CA as the only anchor must be refused.
        {"check_wrong_ca_rejected", &TA_OTHER, BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 1, 1, 0,
         BR_ERR_X509_NOT_TRUSTED},
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (run_case(&cases[i], cases[i].rsa_server ? port_rsa : port_ecdsa) != 0) {
            failed = 1;
        }
    }
    put_kv("client_context_bytes", NULL, "", sizeof cc);
    put_kv("x509_context_bytes", NULL, "", sizeof xc);
    put_kv("iobuf_bytes", NULL, "", sizeof iobuf);
    put_kv("connection_ram_bytes", NULL, "", sizeof cc + sizeof xc + sizeof iobuf);
    put_kv("stack_guard_touched", NULL, "", (uint64_t)guard_touched);
    return failed;
}
