// Board services shared between the port's C files.
#ifndef LX106_BOARD_H
#define LX106_BOARD_H
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

// Linker-script symbols.
extern uint32_t _stack_overflow_zone[], _stack_guard[], _stack_bottom[], _stack_top[];
extern uint32_t _engine_stack_guard[], _engine_stack_bottom[], _engine_stack_top[];
extern uint32_t _text_start[], _text_end[], _bss_start[], _bss_end[], _data_start[], _data_end[], _dram_end[];

#define LX106_STACK_PAINT 0xa5a5a5a5u
#define LX106_GUARD_WORD  0x57ac600du

// 64-bit CCOUNT (extended in software; needs a read at least every 2^32 cycles = 107 s virtual).
uint64_t lx106_ccount64(void);
// Microseconds of virtual time (CCOUNT / 40) plus the time skipped by time.sleep*.
uint64_t lx106_time_us(void);
// Unix time once set by lx106.set_time() (as ntptime would on a real board), else 0.
int64_t lx106_unix_time(void);
void lx106_set_unix_time(int64_t secs);
void lx106_sleep_us(uint64_t us);

// C stack accounting.
size_t lx106_stack_peak(void);      // deepest use since boot / last reset, in bytes (may exceed
                                    // the 8 KiB stack when the guard is disabled)
size_t lx106_stack_used(void);      // current use
void lx106_stack_reset_peak(void);  // repaint the unused part
void lx106_stack_guard_check(void); // fatal if the guard words were touched (when enabled)
void lx106_stack_guard_enable(int on); // on by default; off lets the stack run into the zone below
bool lx106_guard_enabled(void);
void lx106_guard_watch(uint32_t *guard); // DBREAK0 watches this 64-byte guard (when enabled)

// The TLS engine's stack (engine_stack.c): fn(arg) runs with a1 in the engine stack.
void lx106_engine_call(void (*fn)(void *), void *arg);
void lx106_engine_stack_init(void);
size_t lx106_engine_stack_peak(void);       // deepest engine stack use since boot / reset, bytes
uint32_t lx106_engine_stack_calls(void);    // engine calls made since boot / reset
void lx106_engine_stack_reset_peak(void);

__attribute__((noreturn)) void lx106_fatal(const char *msg, int code);
__attribute__((noreturn)) void lx106_shutdown(int code);

#define LX106_EXIT_ABORT        134
#define LX106_EXIT_CPU_EXC      135
#define LX106_EXIT_STACK        136
#define LX106_EXIT_NLR          137
#endif
