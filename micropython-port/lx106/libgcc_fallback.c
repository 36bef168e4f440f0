// Runtime helpers the toolchain does not supply:
// - integer helpers that Debian's libgcc for xtensa-lx106 lacks (__udivsi3 & co.). The Rust
//   engine's compiler_builtins provides them too and is linked first; these weak, plain shift-
//   and-subtract versions keep a board without the engine linkable;
// - __atomic_* libcalls, which neither libgcc nor compiler_builtins provides for this target.
// Archive: libfallback.a, linked after the engine.
#include <stdint.h>

#define WEAK __attribute__((weak))

WEAK uint32_t __udivsi3(uint32_t n, uint32_t d) {
    uint32_t q = 0, r = 0;
    for (int i = 31; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= 1u << i;
        }
    }
    return q;
}

WEAK uint32_t __umodsi3(uint32_t n, uint32_t d) {
    uint32_t r = 0;
    for (int i = 31; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
        }
    }
    return r;
}

WEAK int32_t __divsi3(int32_t a, int32_t b) {
    uint32_t ua = a < 0 ? -(uint32_t)a : (uint32_t)a;
    uint32_t ub = b < 0 ? -(uint32_t)b : (uint32_t)b;
    uint32_t q = __udivsi3(ua, ub);
    return (a < 0) != (b < 0) ? -(int32_t)q : (int32_t)q;
}

WEAK uint64_t __muldi3(uint64_t a, uint64_t b) {
    uint32_t al = (uint32_t)a, ah = (uint32_t)(a >> 32);
    uint32_t bl = (uint32_t)b, bh = (uint32_t)(b >> 32);
    // 32x32->64 from 16-bit halves (the lx106 has MUL16U/MULL only).
    uint32_t a0 = al & 0xffff, a1 = al >> 16, b0 = bl & 0xffff, b1 = bl >> 16;
    uint32_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint32_t mid = (p00 >> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    uint32_t lo = (p00 & 0xffff) | (mid << 16);
    uint32_t hi = p11 + (p01 >> 16) + (p10 >> 16) + (mid >> 16);
    hi += al * bh + ah * bl;
    return ((uint64_t)hi << 32) | lo;
}

WEAK uint64_t __udivdi3(uint64_t n, uint64_t d) {
    uint64_t q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= (uint64_t)1 << i;
        }
    }
    return q;
}

WEAK uint64_t __umoddi3(uint64_t n, uint64_t d) {
    uint64_t r = 0;
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
        }
    }
    return r;
}

WEAK int64_t __divdi3(int64_t a, int64_t b) {
    uint64_t ua = a < 0 ? -(uint64_t)a : (uint64_t)a;
    uint64_t ub = b < 0 ? -(uint64_t)b : (uint64_t)b;
    uint64_t q = __udivdi3(ua, ub);
    return (a < 0) != (b < 0) ? -(int64_t)q : (int64_t)q;
}

// Atomic libcalls (LLVM lowers Rust's sub-word atomics on the lx106 to __atomic_*_N calls).
// Single core; interrupts are masked around each read-modify-write, so they are atomic.
static inline uint32_t irq_save(void) {
    uint32_t ps;
    __asm__ volatile ("rsil %0, 15" : "=r" (ps) : : "memory");
    return ps;
}
static inline void irq_restore(uint32_t ps) {
    __asm__ volatile ("wsr %0, ps\n\trsync" : : "r" (ps) : "memory");
}

#define ATOMIC_FNS(N, T) \
    WEAK T lx106_atomic_load_##N(const volatile T *p, int order) __asm__("__atomic_load_" #N); \
    WEAK T lx106_atomic_load_##N(const volatile T *p, int order) { \
        (void)order; \
        __asm__ volatile ("memw" ::: "memory"); \
        return *p; \
    } \
    WEAK void lx106_atomic_store_##N(volatile T *p, T v, int order) __asm__("__atomic_store_" #N); \
    WEAK void lx106_atomic_store_##N(volatile T *p, T v, int order) { \
        (void)order; \
        *p = v; \
        __asm__ volatile ("memw" ::: "memory"); \
    } \
    WEAK T lx106_atomic_exchange_##N(volatile T *p, T v, int order) __asm__("__atomic_exchange_" #N); \
    WEAK T lx106_atomic_exchange_##N(volatile T *p, T v, int order) { \
        (void)order; \
        uint32_t ps = irq_save(); \
        T old = *p; \
        *p = v; \
        irq_restore(ps); \
        return old; \
    } \
    WEAK _Bool lx106_atomic_cas_##N(volatile T *p, T *expected, T desired, _Bool weak, int so, int fo) __asm__("__atomic_compare_exchange_" #N); \
    WEAK _Bool lx106_atomic_cas_##N(volatile T *p, T *expected, T desired, _Bool weak, int so, int fo) { \
        (void)weak; \
        (void)so; \
        (void)fo; \
        uint32_t ps = irq_save(); \
        T cur = *p; \
        _Bool ok = cur == *expected; \
        if (ok) { \
            *p = desired; \
        } else { \
            *expected = cur; \
        } \
        irq_restore(ps); \
        return ok; \
    } \
    WEAK T lx106_atomic_fetch_add_##N(volatile T *p, T v, int order) __asm__("__atomic_fetch_add_" #N); \
    WEAK T lx106_atomic_fetch_add_##N(volatile T *p, T v, int order) { \
        (void)order; \
        uint32_t ps = irq_save(); \
        T old = *p; \
        *p = old + v; \
        irq_restore(ps); \
        return old; \
    } \
    WEAK T lx106_atomic_fetch_sub_##N(volatile T *p, T v, int order) __asm__("__atomic_fetch_sub_" #N); \
    WEAK T lx106_atomic_fetch_sub_##N(volatile T *p, T v, int order) { \
        (void)order; \
        uint32_t ps = irq_save(); \
        T old = *p; \
        *p = old - v; \
        irq_restore(ps); \
        return old; \
    } \
    WEAK T lx106_atomic_fetch_and_##N(volatile T *p, T v, int order) __asm__("__atomic_fetch_and_" #N); \
    WEAK T lx106_atomic_fetch_and_##N(volatile T *p, T v, int order) { \
        (void)order; \
        uint32_t ps = irq_save(); \
        T old = *p; \
        *p = old & v; \
        irq_restore(ps); \
        return old; \
    } \
    WEAK T lx106_atomic_fetch_or_##N(volatile T *p, T v, int order) __asm__("__atomic_fetch_or_" #N); \
    WEAK T lx106_atomic_fetch_or_##N(volatile T *p, T v, int order) { \
        (void)order; \
        uint32_t ps = irq_save(); \
        T old = *p; \
        *p = old | v; \
        irq_restore(ps); \
        return old; \
    }

ATOMIC_FNS(1, uint8_t)
ATOMIC_FNS(2, uint16_t)
ATOMIC_FNS(4, uint32_t)
