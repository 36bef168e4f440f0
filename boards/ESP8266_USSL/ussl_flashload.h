// Byte and half-word loads from the ESP8266's flash mapping (irom0, 0x40200000..), emulated.
//
// The chip's instruction buses (IRAM 0x40100000, flash-mapped irom0 0x40200000) answer only
// aligned 32-bit loads; l8ui/l16ui/l16si there raise LoadStoreErrorCause (EXCCAUSE 3).
// gcc's -mforce-l32 avoids such loads in C, LLVM has no such option, so the Rust engine's
// read-only data (in flash) is reached through this emulation: decode the faulting
// instruction, do the access with aligned 32-bit loads, write the target register, resume
// after the instruction.
#ifndef USSL_FLASHLOAD_H
#define USSL_FLASHLOAD_H

#include <stdbool.h>
#include <stdint.h>

// The register frame the ESP8266 NONOS SDK's user-exception dispatcher hands to a handler set
// with _xtos_set_exception_handler: pc, ps, sar, vpri, a0, a2..a15 (a1 is not saved: the
// dispatcher's frame is 256 bytes below the interrupted a1).
typedef struct {
    uint32_t pc;
    uint32_t ps;
    uint32_t sar;
    uint32_t vpri;
    uint32_t a0;
    uint32_t a2_15[14];
} ussl_exc_frame_t;

#define USSL_EXC_FRAME_SIZE      (256)  // distance from the frame to the interrupted a1
#define USSL_EXCCAUSE_LOAD_STORE (3)

// Flash-mapped region whose byte/half-word loads are emulated.
#define USSL_FLASH_MAP_START (0x40200000u)
#define USSL_FLASH_MAP_END   (0x40300000u)

// Emulates the load at frame->pc that faulted on address `vaddr` (EXCVADDR). Returns true
// (register written, pc advanced by 3) for l8ui/l16ui/l16si from the flash mapping whose
// decoded address matches vaddr; false for anything else (stores, other instructions,
// a1 as target, other addresses), which the caller treats as a real fault.
bool ussl_flashload_emulate(ussl_exc_frame_t *frame, uint32_t vaddr);

// The instruction word at pc (24-bit instructions may straddle a word; read with l32i only).
uint32_t ussl_flashload_fetch_insn(uint32_t pc);

#endif
