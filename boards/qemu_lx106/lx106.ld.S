/* Linker script for the emulated ESP8266 (QEMU -M sim -cpu lx106), preprocessed by cpp.
 *   sysrom0  0x50000000: reset stub (the CPU starts there whatever the ELF entry says)
 *   instrom0 0x40200000: code + C and Rust rodata, like the chip's flash-mapped irom0
 *   dataram0 0x3FFC0000: engine stack guard, TLS engine stack, stack guard, 8 KiB stack,
 *                        .data (copied from its load address
 *                        in irom0 at reset), .bss (GC heap included)
 * The literal pools the GNU assembler emits for Rust code (.literal.*, .rodata.*.literal)
 * stay in ONE input-section list with the code they serve: l32r only reaches backwards.
 */
#include "mpconfigboard.h"

ENTRY(_reset)

MEMORY
{
    sysrom0  (rx)  : ORIGIN = 0x50000000, LENGTH = 0x1000
    irom0    (rx)  : ORIGIN = 0x40200000, LENGTH = 0x100000
    dram0    (rw)  : ORIGIN = 0x3FFC0000, LENGTH = 0x40000
}

SECTIONS
{
    .reset : { KEEP(*(.reset)) } > sysrom0

    .vectors : ALIGN(1024)
    {
        _vectors_start = .;
        KEEP(*(.vectors))
    } > irom0

    .text : ALIGN(4)
    {
        _text_start = .;
        *(.entry.text)
        /* nlr_push (py/nlrxtensa.c) tail-jumps to nlr_push_tail (py/nlr.c) with `j` (+-128 KiB). */
        *nlr.o(.literal .literal.* .text .text.*)
        *nlrxtensa.o(.literal .literal.* .text .text.*)
        *(.literal .literal.* .rodata.*.literal .text .text.* .gnu.linkonce.t.*)
        . = ALIGN(4);
        _text_end = .;
    } > irom0

    /* Read-only data of code compiled by gcc with -mforce-l32 (safe for 32-bit-only flash loads). */
    .irom0.rodata : ALIGN(4)
    {
        _irom_rodata_start = .;
#if LX106_LIBC_RODATA_IN_DRAM
        /* The Rust engine's rodata stays here, in flash, as on the chip (boards/ESP8266_USSL):
           there its byte/half-word loads are emulated from the LoadStoreError exception
           (ussl_flashload.c); QEMU's instrom0 answers them directly. */
        EXCLUDE_FILE(*libc.a:* *libm.a:* *libgcc.a:*) *(.rodata .rodata.* .gnu.linkonce.r.*)
#else
        *(.rodata .rodata.* .gnu.linkonce.r.*)
#endif
        . = ALIGN(4);
        _irom_rodata_end = .;
    } > irom0

    /* Stacks at the bottom of dataram0, lowest first: the TLS engine's stack (engine calls
       run there, micropython-port/lx106/engine_stack.c) and the interpreter's C stack, each
       with a 64-byte guard below it (DBREAK0 watches the guard of the stack in use).
       Overflowing the interpreter stack runs into its guard, then into the engine stack
       (idle while the interpreter runs); overflowing the engine stack runs into its guard,
       then into dataram1, which nothing uses - never into .data/.bss. */
    /* Below the stacks: the top 64 KiB of dataram1, painted at reset. An overflow that jumps
       past the guard lands here (nothing else uses it), and the peaks measure how deep. */
    _stack_overflow_zone = ORIGIN(dram0) - LX106_STACK_OVERFLOW_ZONE;

    .engine_stack (NOLOAD) : ALIGN(64)
    {
        _engine_stack_guard = .;
        . += LX106_STACK_GUARD_SIZE;
        _engine_stack_bottom = .;
        . += LX106_ENGINE_STACK_SIZE;
        _engine_stack_top = .;
    } > dram0

    .stack (NOLOAD) : ALIGN(64)
    {
        _stack_guard = .;
        . += LX106_STACK_GUARD_SIZE;
        _stack_bottom = .;
        . += LX106_STACK_SIZE;
        _stack_top = .;
    } > dram0

    .data : ALIGN(4)
    {
        _data_start = .;
        *(.data .data.* .gnu.linkonce.d.*)
        *(.sdata .sdata.*)
#if LX106_LIBC_RODATA_IN_DRAM
        /* picolibc/libm/libgcc rodata (prebuilt without -mforce-l32: byte/halfword loads):
           in DRAM like .data. The real port has no picolibc (its libc is MicroPython's). */
        _dram_rodata_start = .;
        *libc.a:*(.rodata .rodata.*)
        *libm.a:*(.rodata .rodata.*)
        *libgcc.a:*(.rodata .rodata.*)
        _dram_rodata_end = .;
#endif
        . = ALIGN(4);
        _data_end = .;
    } > dram0 AT > irom0
    _data_load = LOADADDR(.data);

    .bss (NOLOAD) : ALIGN(8)
    {
        _bss_start = .;
        *(.bss .bss.* .sbss .sbss.* .gnu.linkonce.b.* COMMON)
        . = ALIGN(4);
        _bss_end = .;
    } > dram0

    _dram_end = .;
    ASSERT(_stack_guard % 64 == 0, "stack guard must be 64-byte aligned for DBREAK")
    ASSERT(_engine_stack_guard % 64 == 0, "engine stack guard must be 64-byte aligned for DBREAK")
    ASSERT(_engine_stack_top == _stack_guard, "the engine stack lies right below the interpreter's guard")

}
