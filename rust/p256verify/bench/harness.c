// Bare-metal benchmark for QEMU's lx106 (-icount shift=0,sleep=off: CCOUNT advances once per
// 25 instructions). Runs the Rust entries of rust/p256verify/bench and prints, per entry, its
// result and instruction count. Exit code 0 when every result is what the entry expects and
// every entry of a constant-time group took the same number of instructions.
#include <stdint.h>
#include <stddef.h>

typedef uint32_t (*entry_fn)(void);
extern const entry_fn p256_bench_entries[];
extern const entry_fn p256_bench_entries_end[];
extern uint32_t _stack_bottom[], _stack_top[];

static const char *const names[] = {
    "ussl_p256verify_valid", "ussl_p256verify_bad_hash", "p256_crate_valid", "p256_crate_bad_hash",
    "ecdh_keygen_k=1", "ecdh_keygen_k=n-1", "ecdh_keygen_k=2^255-1", "ecdh_keygen_k=2^255",
    "ecdh_keygen_k=0x55..55", "ecdh_keygen_k=random",
    "ecdh_shared_k=1", "ecdh_shared_k=n-1", "ecdh_shared_k=2^255-1", "ecdh_shared_k=2^255",
    "ecdh_shared_k=0x55..55", "ecdh_shared_k=random",
    "sign_k=1", "sign_k=n-1", "sign_k=2^255-1", "sign_k=2^255", "sign_k=0x55..55", "sign_k=random",
    "sign_rfc6979_d=A.2.5", "sign_rfc6979_d=2", "sign_rfc6979_d=n-2",
};
#define NE (sizeof(names) / sizeof(names[0]))
static const int expect_ok[NE] = {1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
// ECDH and signing entries run their operation ECDH_REPS / SIGN_REPS (25) times
// (bench/src/lib.rs). Entries of the same nonzero group must take the same instructions:
// secret scalars (ECDH scalar; signing key and nonce) of different shapes. The RFC 6979
// signing entries (group 4) differ in key only: their nonces come from the HMAC_DRBG.
#define REPS 25
static const int reps[NE] = {1, 1, 1, 1, REPS, REPS, REPS, REPS, REPS, REPS, REPS, REPS, REPS, REPS, REPS, REPS,
    REPS, REPS, REPS, REPS, REPS, REPS, REPS, REPS, REPS};
static const int ct_group[NE] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4};
// A shared-secret entry also makes its key pair once: that k*G run is taken off its figure.
static const int minus_per_op_of[NE] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 4, 5, 6, 7, 8, 9,
    -1, -1, -1, -1, -1, -1, -1, -1, -1};
static uint32_t counts[NE];

static int32_t simcall(int32_t nr, int32_t a, int32_t b, int32_t c) {
    register int32_t a2 __asm__("a2") = nr;
    register int32_t a3 __asm__("a3") = a;
    register int32_t a4 __asm__("a4") = b;
    register int32_t a5 __asm__("a5") = c;
    __asm__ volatile("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
    return a2;
}

static void put(const char *s) {
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    simcall(4, 1, (int32_t)(uintptr_t)s, (int32_t)n);
}

static void put_dec(uint32_t v) {
    char b[12];
    int i = 11;
    b[i] = 0;
    // __udivsi3/__umodsi3 come from compiler_builtins (the lx106 has no divider).
    do {
        b[--i] = '0' + v % 10;
        v /= 10;
    } while (v);
    put(&b[i]);
}

static inline uint32_t ccount(void) {
    uint32_t c;
    __asm__ volatile("rsr %0, ccount" : "=r"(c));
    return c;
}

void abort(void) {
    put("abort\n");
    simcall(1, 3, 0, 0);
    for (;;) {
    }
}

#define PAINT 0x5a5a5a5au

int main(void) {
    int failures = 0;
    size_t n = (size_t)(p256_bench_entries_end - p256_bench_entries);
    if (n != NE) {
        put("entry table size mismatch\n");
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        // Paint the stack below our frame to measure the entry's peak stack.
        uint32_t *sp;
        __asm__ volatile("mov %0, a1" : "=r"(sp));
        for (uint32_t *p = _stack_bottom; p < sp - 64; p++) {
            *p = PAINT;
        }
        uint32_t t0 = ccount();
        uint32_t r = p256_bench_entries[i]();
        uint32_t t1 = ccount();
        uint32_t *low = _stack_bottom;
        while (low < sp && *low == PAINT) {
            low++;
        }
        int ok = (r == 0) == expect_ok[i];
        failures += !ok;
        put(names[i]);
        put(" result=");
        put_dec(r);
        put(ok ? " (as expected)" : " (UNEXPECTED)");
        counts[i] = (t1 - t0) * 25;
        put(" instructions=");
        put_dec(counts[i]);
        if (reps[i] > 1) {
            uint32_t sub = minus_per_op_of[i] >= 0 ? counts[minus_per_op_of[i]] / REPS : 0;
            put(" per_op=");
            put_dec((counts[i] - sub) / reps[i]);
        }
        put(" stack=");
        put_dec((uint32_t)((uintptr_t)sp - (uintptr_t)low));
        put("\n");
    }
    // Constant time: 25 runs read in 25-instruction steps give one run to the instruction
    // (the start phase can add one step, hence the tolerance of 25 on the total).
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (ct_group[i] && ct_group[i] == ct_group[j]) {
                uint32_t d = counts[i] > counts[j] ? counts[i] - counts[j] : counts[j] - counts[i];
                if (d > 25) {
                    put("NOT CONSTANT TIME: ");
                    put(names[i]);
                    put(" vs ");
                    put(names[j]);
                    put(" differ by ");
                    put_dec(d);
                    put(" instructions\n");
                    failures++;
                }
                break;
            }
        }
    }
    if (!failures) {
        put("constant time: every ecdh_keygen, every ecdh_shared, every sign_k and every sign_rfc6979 entry took the same instructions\n");
    }
    return failures ? 1 : 0;
}
