// Reset code for the p256 benchmark on QEMU's lx106 (call0 ABI). The CPU starts at
// 0x50000000 whatever the ELF entry says: jump to _start in irom0.
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

    .section .entry.text, "ax"
    .literal_position
    .global _start
    .align 4
_start:
    movi    a2, 0x20        // PS: INTLEVEL 0, UM=1, EXCM=0
    wsr     a2, ps
    rsync
    movi    a1, _stack_top
    // .data from its load address, .bss cleared.
    movi    a2, _data_start
    movi    a3, _data_end
    movi    a4, _data_load
    bgeu    a2, a3, 2f
1:  l32i    a5, a4, 0
    s32i    a5, a2, 0
    addi    a2, a2, 4
    addi    a4, a4, 4
    bltu    a2, a3, 1b
2:  movi    a2, _bss_start
    movi    a3, _bss_end
    movi    a4, 0
    bgeu    a2, a3, 2f
1:  s32i    a4, a2, 0
    addi    a2, a2, 4
    bltu    a2, a3, 1b
2:  movi    a0, 0
    call0   main
    // exit(code) through semihosting
    mov     a3, a2
    movi    a2, 1
    simcall
3:  j       3b
    .section .note.GNU-stack, "", @progbits
