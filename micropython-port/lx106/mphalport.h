#ifndef LX106_MPHALPORT_H
#define LX106_MPHALPORT_H
#include "py/mpconfig.h"
#include "shared/runtime/interrupt_char.h"
#include "semihost.h"

// No pins on this board (and extmod/virtpin.h is not in the source tree).
#define mp_hal_pin_obj_t void *

static inline mp_uint_t mp_hal_ticks_cpu(void) {
    return lx106_ccount();
}
#endif
