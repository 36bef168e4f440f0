// QEMU Xtensa semihosting through `simcall`: a2 = call number, a3..a5 = arguments,
// result in a2, errno in a3. fd 0/1/2 are QEMU's own stdin/stdout/stderr.
#ifndef LX106_SEMIHOST_H
#define LX106_SEMIHOST_H
#include <stddef.h>
#include <stdint.h>

#define SEMI_SYS_EXIT  1
#define SEMI_SYS_READ  3
#define SEMI_SYS_WRITE 4
#define SEMI_SYS_OPEN  5
#define SEMI_SYS_CLOSE 6

// open() flags as the host (Linux) sees them: QEMU 7.2 passes them through.
#define SEMI_O_RDONLY 0
#define SEMI_O_WRONLY 1
#define SEMI_O_RDWR   2

static inline int32_t semi_call(int32_t nr, int32_t a, int32_t b, int32_t c, int32_t *err) {
    register int32_t a2 __asm__ ("a2") = nr;
    register int32_t a3 __asm__ ("a3") = a;
    register int32_t a4 __asm__ ("a4") = b;
    register int32_t a5 __asm__ ("a5") = c;
    __asm__ volatile ("simcall" : "+r" (a2), "+r" (a3) : "r" (a4), "r" (a5) : "memory");
    if (err) {
        *err = a3;
    }
    return a2;
}

static inline int32_t semi_read(int fd, void *buf, size_t len) {
    return semi_call(SEMI_SYS_READ, fd, (int32_t)(uintptr_t)buf, (int32_t)len, NULL);
}
static inline int32_t semi_write(int fd, const void *buf, size_t len) {
    return semi_call(SEMI_SYS_WRITE, fd, (int32_t)(uintptr_t)buf, (int32_t)len, NULL);
}
static inline int32_t semi_open(const char *path, int flags, int mode, int32_t *err) {
    return semi_call(SEMI_SYS_OPEN, (int32_t)(uintptr_t)path, flags, mode, err);
}
static inline int32_t semi_close(int fd) {
    return semi_call(SEMI_SYS_CLOSE, fd, 0, 0, NULL);
}
__attribute__((noreturn)) void semi_exit(int code);

// Helpers (semihost.c): write/read exactly len bytes (loops over short transfers).
int semi_write_all(int fd, const void *buf, size_t len);
int semi_read_all(int fd, void *buf, size_t len);
void semi_puts(int fd, const char *s);
void semi_put_hex(int fd, uint32_t v);
void semi_put_dec(int fd, uint64_t v);

static inline uint32_t lx106_ccount(void) {
    uint32_t c;
    __asm__ volatile ("rsr %0, ccount" : "=r" (c));
    return c;
}
#endif
