// The few MicroPython errno values micropython-port/lx106/relay.c uses, for the bare-metal
// BearSSL client (no MicroPython there). Same numbers as MicroPython's py/mperrno.h.
#ifndef BENCH_BEARSSL_MPERRNO_H
#define BENCH_BEARSSL_MPERRNO_H
#define MP_EIO    5
#define MP_ENODEV 19
#define MP_EINVAL 22
#endif
