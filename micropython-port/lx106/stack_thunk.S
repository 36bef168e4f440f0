// lx106_call_on_stack(fn, arg, stack_top): calls fn(arg) with a1 (the stack pointer) moved to
// stack_top, then returns on the caller's stack. call0 ABI: a2 = fn, a3 = arg, a4 = stack_top
// (16-byte aligned). The caller's a0 (return address) and a1 are kept in the top 16 bytes of
// the new stack; a12..a15 are callee-saved, so fn preserves them itself.
// Used to run the TLS engine on its own stack (see engine_stack.c); fn must neither longjmp
// (NLR) nor trigger a GC, whose root scan only covers the interpreter's stack.
    .text
    .literal_position
    .global lx106_call_on_stack
    .type lx106_call_on_stack, @function
    .align 4
lx106_call_on_stack:
    addi    a4, a4, -16
    s32i    a0, a4, 0
    s32i    a1, a4, 4
    mov     a1, a4
    mov     a5, a2
    mov     a2, a3
    callx0  a5
    l32i    a0, a1, 0
    l32i    a1, a1, 4
    ret
    .size lx106_call_on_stack, . - lx106_call_on_stack
