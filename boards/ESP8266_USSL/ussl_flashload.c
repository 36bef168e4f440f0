// Emulation of l8ui/l16ui/l16si from the flash mapping (see ussl_flashload.h).
// No SDK dependency: the same code runs in the QEMU test (tests/esp8266/flashload/).
#include "ussl_flashload.h"

// Aligned 32-bit load: the only kind the flash mapping answers (volatile keeps it one l32i).
static inline uint32_t load32(uint32_t addr) {
    return *(volatile const uint32_t *)(addr & ~3u);
}

uint32_t ussl_flashload_fetch_insn(uint32_t pc) {
    uint32_t shift = (pc & 3u) * 8;
    uint32_t lo = load32(pc);
    if (shift == 0) {
        return lo & 0xffffffu;
    }
    uint32_t hi = load32(pc + 4);
    return ((lo >> shift) | (hi << (32 - shift))) & 0xffffffu;
}

static uint32_t get_reg(const ussl_exc_frame_t *f, uint32_t r) {
    if (r == 0) {
        return f->a0;
    }
    if (r == 1) {
        return (uint32_t)(uintptr_t)f + USSL_EXC_FRAME_SIZE;
    }
    return f->a2_15[r - 2];
}

bool ussl_flashload_emulate(ussl_exc_frame_t *frame, uint32_t vaddr) {
    uint32_t insn = ussl_flashload_fetch_insn(frame->pc);
    // RRI8 load/store group: op0 = 2 (bits 0-3), at = bits 4-7, as = bits 8-11,
    // r (the operation) = bits 12-15, imm8 = bits 16-23.
    if ((insn & 0xfu) != 2u) {
        return false;
    }
    uint32_t at = (insn >> 4) & 0xfu;
    uint32_t as = (insn >> 8) & 0xfu;
    uint32_t op = (insn >> 12) & 0xfu;
    uint32_t imm8 = (insn >> 16) & 0xffu;
    uint32_t addr;
    uint32_t value;
    uint32_t ignored = 0; // address bits the access ignores
    switch (op) {
        case 0x0: // l8ui
            addr = get_reg(frame, as) + imm8;
            value = (load32(addr) >> ((addr & 3u) * 8)) & 0xffu;
            break;
        case 0x1: // l16ui
        case 0x9: // l16si
            // Half-word loads ignore address bit 0 (no unaligned-exception option on the lx106).
            addr = get_reg(frame, as) + (imm8 << 1);
            value = (load32(addr) >> ((addr & 2u) * 8)) & 0xffffu;
            if (op == 0x9 && (value & 0x8000u)) {
                value |= 0xffff0000u;
            }
            ignored = 1;
            break;
        default: // stores and other loads are not emulated
            return false;
    }
    // Only the flash mapping, and only the access the CPU reported (guards against a
    // misdecoded pc); a1 (the stack pointer) lives outside the frame and is never a target.
    if (addr < USSL_FLASH_MAP_START || addr >= USSL_FLASH_MAP_END || (addr & ~ignored) != (vaddr & ~ignored) || at == 1) {
        return false;
    }
    if (at == 0) {
        frame->a0 = value;
    } else {
        frame->a2_15[at - 2] = value;
    }
    frame->pc += 3;
    return true;
}
