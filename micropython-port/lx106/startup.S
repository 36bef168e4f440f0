// Reset code, exception vectors and register spill for the emulated ESP8266 (call0 ABI:
// no windowed instructions anywhere).
#include "mpconfigboard.h"

#define STACK_PAINT 0xa5a5a5a5
#define GUARD_WORD  0x57ac600d

// ---------------------------------------------------------------------------------------
// QEMU's lx106 starts executing at 0x50000000 (sysrom0) whatever the ELF entry says.
    .section .reset, "ax"
    .global _reset
    .align 4
_reset:
    j       1f
    .align 4
.Lstart_addr:
    .word   _start
1:  l32r    a0, .Lstart_addr
    jx      a0

// ---------------------------------------------------------------------------------------
    .section .entry.text, "ax"
    .literal_position
    .global _start
    .align 4
_start:
    // PS: INTLEVEL=1 (below DEBUGLEVEL 2, so the DBREAK stack guard fires), EXCM=0, UM=1.
    movi    a2, 0x21
    wsr     a2, ps
    rsync
    movi    a2, _vectors_start
    wsr     a2, vecbase
    rsync

    // Paint the overflow zone below the guard and the whole stack (for lx106.stack_peak),
    // and write the guard words in between.
    movi    a2, _stack_overflow_zone
    movi    a3, _stack_guard
    movi    a4, STACK_PAINT
1:  s32i    a4, a2, 0
    addi    a2, a2, 4
    bltu    a2, a3, 1b
    movi    a2, _stack_guard
    movi    a3, _stack_bottom
    movi    a4, GUARD_WORD
1:  s32i    a4, a2, 0
    addi    a2, a2, 4
    bltu    a2, a3, 1b
    movi    a3, _stack_top
    movi    a4, STACK_PAINT
1:  s32i    a4, a2, 0
    addi    a2, a2, 4
    bltu    a2, a3, 1b
    movi    a1, _stack_top

    // Copy .data from its load address (QEMU loads segments at their LMA).
    movi    a2, _data_start
    movi    a3, _data_end
    movi    a4, _data_load
    bgeu    a2, a3, 2f
1:  l32i    a5, a4, 0
    s32i    a5, a2, 0
    addi    a2, a2, 4
    addi    a4, a4, 4
    bltu    a2, a3, 1b
2:
    // Clear .bss.
    movi    a2, _bss_start
    movi    a3, _bss_end
    movi    a4, 0
    bgeu    a2, a3, 2f
1:  s32i    a4, a2, 0
    addi    a2, a2, 4
    bltu    a2, a3, 1b
2:
    movi    a0, 0
    call0   main
    // main returned: exit(code) through semihosting.
    mov     a3, a2
    movi    a2, 1
    simcall
3:  j       3b

// ---------------------------------------------------------------------------------------
// lx106_spill_regs(uint32_t out[5]): the call0 callee-saved registers a12..a15 (+ a0),
// so the GC sees pointers that only live in registers.
    .text
    .literal_position
    .global lx106_spill_regs
    .type lx106_spill_regs, @function
    .align 4
lx106_spill_regs:
    s32i    a0, a2, 0
    s32i    a12, a2, 4
    s32i    a13, a2, 8
    s32i    a14, a2, 12
    s32i    a15, a2, 16
    ret
    .size lx106_spill_regs, . - lx106_spill_regs

// ---------------------------------------------------------------------------------------
// Vector table (VECBASE-relative offsets of the lx106 configuration). Every exception or
// interrupt is fatal here: it reports cause/PC/address through lx106_fatal_exception().
    .section .vectors, "ax"
    .align 4
.Lv_lit_stack:
    .word   _exc_stack_top
.Lv_lit_fatal:
    .word   lx106_fatal_exception

    .org    0x10            // DebugExceptionVector (level 2: DBREAK stack guard)
    movi    a2, 2
    rsr     a4, epc2
    j       .Lv_debug

    .org    0x20            // NMIExceptionVector
    movi    a2, 3
    rsr     a4, epc3
    j       .Lv_common

    .org    0x30            // KernelExceptionVector
    movi    a2, 1
    rsr     a4, epc1
    j       .Lv_common

    .org    0x50            // UserExceptionVector
    movi    a2, 0
    rsr     a4, epc1
    j       .Lv_common

    .org    0x70            // DoubleExceptionVector
    movi    a2, 4
    rsr     a4, depc
    j       .Lv_common

    .org    0x80
.Lv_debug:
    rsr     a3, debugcause
    movi    a5, 0
    j       .Lv_call
.Lv_common:
    rsr     a3, exccause
    rsr     a5, excvaddr
.Lv_call:
    mov     a6, a1          // faulting stack pointer
    l32r    a1, .Lv_lit_stack
    l32r    a0, .Lv_lit_fatal
    callx0  a0              // lx106_fatal_exception(kind, cause, pc, vaddr, sp): never returns
1:  j       1b

// Private stack for lx106_fatal_exception (the C stack may be what overflowed).
    .section .bss.exc_stack, "aw", @nobits
    .align 16
    .space  LX106_EXC_STACK_SIZE
    .global _exc_stack_top
_exc_stack_top:
