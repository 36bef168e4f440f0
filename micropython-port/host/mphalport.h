// HAL of the ussl host port (x86-64 Linux).
#ifndef USSL_HOST_MPHALPORT_H
#define USSL_HOST_MPHALPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>
#include <errno.h>

void mp_hal_set_interrupt_char(int c);
void mp_hal_stdio_mode_raw(void);
void mp_hal_stdio_mode_orig(void);

static inline void mp_hal_delay_us_fast(unsigned us) {
    usleep(us);
}
#define mp_hal_delay_us mp_hal_delay_us_fast

uint64_t mp_hal_time_ns(void);

// No pins on the host (keeps py/mphal.h away from extmod/virtpin.h).
#define mp_hal_pin_obj_t int

#endif
