// lx106 module: board introspection (C stack peak, CCOUNT, instruction count, heap).
#include "py/runtime.h"
#include "py/gc.h"
#include "lx106.h"

// Peak C stack use in bytes since boot or the last stack_reset().
static mp_obj_t lx106_stack_peak_fn(void) {
    lx106_stack_guard_check();
    return MP_OBJ_NEW_SMALL_INT(lx106_stack_peak());
}
static MP_DEFINE_CONST_FUN_OBJ_0(lx106_stack_peak_obj, lx106_stack_peak_fn);

static mp_obj_t lx106_stack_used_fn(void) {
    return MP_OBJ_NEW_SMALL_INT(lx106_stack_used());
}
static MP_DEFINE_CONST_FUN_OBJ_0(lx106_stack_used_obj, lx106_stack_used_fn);

static mp_obj_t lx106_stack_reset_fn(void) {
    lx106_stack_guard_check();
    lx106_stack_reset_peak();
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(lx106_stack_reset_obj, lx106_stack_reset_fn);

// stack_guard(on): the DBREAK guard below the stack (on by default). Off lets deep calls run
// on into the painted zone below so that stack_peak() can measure them (QEMU only: the real
// chip has no memory there).
static mp_obj_t lx106_stack_guard_fn(mp_obj_t on_in) {
    lx106_stack_guard_enable(mp_obj_is_true(on_in));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lx106_stack_guard_obj, lx106_stack_guard_fn);

// 64-bit CCOUNT (40 MHz virtual; one tick per 25 instructions under -icount shift=0).
static mp_obj_t lx106_ccount_fn(void) {
    return mp_obj_new_int_from_ull(lx106_ccount64());
}
static MP_DEFINE_CONST_FUN_OBJ_0(lx106_ccount_obj, lx106_ccount_fn);

// Instructions executed since reset (CCOUNT x 25; exact to +/-25).
static mp_obj_t lx106_insns_fn(void) {
    return mp_obj_new_int_from_ull(lx106_ccount64() * LX106_INSNS_PER_CCOUNT);
}
static MP_DEFINE_CONST_FUN_OBJ_0(lx106_insns_obj, lx106_insns_fn);

// spin(n): a 2-instruction loop run n times (2*n instructions), to check CCOUNT = insns / 25.
static mp_obj_t lx106_spin_fn(mp_obj_t n_in) {
    uint32_t n = mp_obj_get_int(n_in);
    if (n) {
        __asm__ volatile ("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+r" (n));
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lx106_spin_obj, lx106_spin_fn);

// _overflow(): recurse in C (256-byte frames) until the stack guard stops the board.
// Only for testing the guard: the board exits with code 136 and a message.
__attribute__((noinline)) static uint32_t recurse(volatile uint8_t *prev, uint32_t depth) {
    volatile uint8_t frame[256];
    frame[0] = (uint8_t)depth;
    frame[255] = prev ? prev[0] : 0;
    if (depth > 1000000) {
        return frame[0];
    }
    return recurse(frame, depth + 1) + frame[255];
}

static mp_obj_t lx106_overflow_fn(void) {
    return MP_OBJ_NEW_SMALL_INT(recurse(NULL, 0));
}
static MP_DEFINE_CONST_FUN_OBJ_0(lx106_overflow_obj, lx106_overflow_fn);

// Peak use of the TLS engine's own stack (engine_stack.c) since boot or engine_stack_reset(),
// and the number of engine calls made on it.
static mp_obj_t lx106_engine_stack_peak_fn(void) {
    return MP_OBJ_NEW_SMALL_INT(lx106_engine_stack_peak());
}
static MP_DEFINE_CONST_FUN_OBJ_0(lx106_engine_stack_peak_obj, lx106_engine_stack_peak_fn);

static mp_obj_t lx106_engine_stack_calls_fn(void) {
    return mp_obj_new_int_from_uint(lx106_engine_stack_calls());
}
static MP_DEFINE_CONST_FUN_OBJ_0(lx106_engine_stack_calls_obj, lx106_engine_stack_calls_fn);

static mp_obj_t lx106_engine_stack_reset_fn(void) {
    lx106_engine_stack_reset_peak();
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(lx106_engine_stack_reset_obj, lx106_engine_stack_reset_fn);

// _engine_overflow(): the same recursion on the engine stack (checks its guard: the board
// exits with code 136 and a message).
static void engine_overflow_thunk(void *arg) {
    *(uint32_t *)arg = recurse(NULL, 0);
}

static mp_obj_t lx106_engine_overflow_fn(void) {
    uint32_t r = 0;
    lx106_engine_call(engine_overflow_thunk, &r);
    return MP_OBJ_NEW_SMALL_INT(r);
}
static MP_DEFINE_CONST_FUN_OBJ_0(lx106_engine_overflow_obj, lx106_engine_overflow_fn);

// set_time(unix_seconds): sets the wall clock (the board has no RTC; like ntptime.settime()).
static mp_obj_t lx106_set_time_fn(mp_obj_t secs_in) {
    lx106_set_unix_time((int64_t)mp_obj_get_int(secs_in));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lx106_set_time_obj, lx106_set_time_fn);

static const mp_rom_map_elem_t lx106_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_set_time), MP_ROM_PTR(&lx106_set_time_obj) },
    { MP_ROM_QSTR(MP_QSTR_spin), MP_ROM_PTR(&lx106_spin_obj) },
    { MP_ROM_QSTR(MP_QSTR__overflow), MP_ROM_PTR(&lx106_overflow_obj) },
    { MP_ROM_QSTR(MP_QSTR__engine_overflow), MP_ROM_PTR(&lx106_engine_overflow_obj) },
    { MP_ROM_QSTR(MP_QSTR_engine_stack_peak), MP_ROM_PTR(&lx106_engine_stack_peak_obj) },
    { MP_ROM_QSTR(MP_QSTR_engine_stack_calls), MP_ROM_PTR(&lx106_engine_stack_calls_obj) },
    { MP_ROM_QSTR(MP_QSTR_engine_stack_reset), MP_ROM_PTR(&lx106_engine_stack_reset_obj) },
    { MP_ROM_QSTR(MP_QSTR_ENGINE_STACK_SIZE), MP_ROM_INT(LX106_ENGINE_STACK_SIZE) },
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_lx106) },
    { MP_ROM_QSTR(MP_QSTR_stack_peak), MP_ROM_PTR(&lx106_stack_peak_obj) },
    { MP_ROM_QSTR(MP_QSTR_stack_used), MP_ROM_PTR(&lx106_stack_used_obj) },
    { MP_ROM_QSTR(MP_QSTR_stack_reset), MP_ROM_PTR(&lx106_stack_reset_obj) },
    { MP_ROM_QSTR(MP_QSTR_stack_guard), MP_ROM_PTR(&lx106_stack_guard_obj) },
    { MP_ROM_QSTR(MP_QSTR_ccount), MP_ROM_PTR(&lx106_ccount_obj) },
    { MP_ROM_QSTR(MP_QSTR_insns), MP_ROM_PTR(&lx106_insns_obj) },
    { MP_ROM_QSTR(MP_QSTR_STACK_SIZE), MP_ROM_INT(LX106_STACK_SIZE) },
    { MP_ROM_QSTR(MP_QSTR_HEAP_SIZE), MP_ROM_INT(LX106_HEAP_SIZE) },
    { MP_ROM_QSTR(MP_QSTR_INSNS_PER_CCOUNT), MP_ROM_INT(LX106_INSNS_PER_CCOUNT) },
};
static MP_DEFINE_CONST_DICT(lx106_module_globals, lx106_module_globals_table);

const mp_obj_module_t mp_module_lx106 = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&lx106_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_lx106, mp_module_lx106);
