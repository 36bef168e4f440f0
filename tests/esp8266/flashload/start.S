// Reset code and a user-exception vector that builds the ESP8266 NONOS SDK's exception frame
// (pc, ps, sar, vpri, a0, a2..a15 at the bottom of 256 bytes below the interrupted a1), calls
// flashload_test_exception(frame, exccause, excvaddr) and returns with rfe, restoring the
// registers from the (possibly modified) frame: the path the SDK's dispatcher takes on the chip.
    .section .reset, "ax"
    .global _reset
    .align 4
_reset:
    j       1f
    .align 4
.Lstart:
    .word   _start
1:  l32r    a0, .Lstart
    jx      a0

    .text
    .literal_position
    .global _start
    .align 4
_start:
    movi    a2, 0x20            // PS: UM=1, EXCM=0, INTLEVEL=0
    wsr     a2, ps
    rsync
    movi    a2, _vectors_start
    wsr     a2, vecbase
    rsync
    movi    a1, _stack_top
    movi    a2, _bss_start
    movi    a3, _bss_end
    movi    a4, 0
1:  bgeu    a2, a3, 2f
    s32i    a4, a2, 0
    addi    a2, a2, 4
    j       1b
2:  movi    a0, 0
    call0   main
    mov     a3, a2              // exit(code) through semihosting
    movi    a2, 1
    simcall
3:  j       3b

    .section .vectors, "ax"
    .align 4
.Lhandler:
    .word   flashload_test_exception
    .org    0x50                // UserExceptionVector
    addmi   a1, a1, -256
    s32i    a0, a1, 16
    s32i    a2, a1, 20
    j       .Luser
    .org    0x80
.Luser:
    s32i    a3, a1, 24
    s32i    a4, a1, 28
    s32i    a5, a1, 32
    s32i    a6, a1, 36
    s32i    a7, a1, 40
    s32i    a8, a1, 44
    s32i    a9, a1, 48
    s32i    a10, a1, 52
    s32i    a11, a1, 56
    s32i    a12, a1, 60
    s32i    a13, a1, 64
    s32i    a14, a1, 68
    s32i    a15, a1, 72
    rsr     a2, epc1
    s32i    a2, a1, 0
    rsr     a2, ps
    s32i    a2, a1, 4
    rsr     a2, sar
    s32i    a2, a1, 8
    mov     a2, a1
    rsr     a3, exccause
    rsr     a4, excvaddr
    l32r    a0, .Lhandler
    callx0  a0
    l32i    a2, a1, 0
    wsr     a2, epc1
    l32i    a2, a1, 8
    wsr     a2, sar
    l32i    a0, a1, 16
    l32i    a2, a1, 20
    l32i    a3, a1, 24
    l32i    a4, a1, 28
    l32i    a5, a1, 32
    l32i    a6, a1, 36
    l32i    a7, a1, 40
    l32i    a8, a1, 44
    l32i    a9, a1, 48
    l32i    a10, a1, 52
    l32i    a11, a1, 56
    l32i    a12, a1, 60
    l32i    a13, a1, 64
    l32i    a14, a1, 68
    l32i    a15, a1, 72
    addmi   a1, a1, 256
    rsync
    rfe
