// A 64x64->64 product from 16x16->32 pieces (the lx106 has MUL16U and MULL, no MULUH), linked
// ahead of compiler_builtins' generic __muldi3 in the "fast muldi3" image: the p256 crate's
// figure with the best cheap libcall, for a fair comparison (see shared TOOLCHAIN.md 5).
#include <stdint.h>

uint64_t __muldi3(uint64_t a, uint64_t b) {
    uint32_t al = (uint32_t)a, ah = (uint32_t)(a >> 32);
    uint32_t bl = (uint32_t)b, bh = (uint32_t)(b >> 32);
    uint32_t a0 = al & 0xffff, a1 = al >> 16, b0 = bl & 0xffff, b1 = bl >> 16;
    uint32_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint32_t mid = (p00 >> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    uint32_t lo = (p00 & 0xffff) | (mid << 16);
    uint32_t hi = p11 + (p01 >> 16) + (p10 >> 16) + (mid >> 16) + al * bh + ah * bl;
    return ((uint64_t)hi << 32) | lo;
}
