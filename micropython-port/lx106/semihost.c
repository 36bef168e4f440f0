#include <string.h>
#include "semihost.h"

void semi_exit(int code) {
    for (;;) {
        semi_call(SEMI_SYS_EXIT, code, 0, 0, NULL);
    }
}

int semi_write_all(int fd, const void *buf, size_t len) {
    const uint8_t *p = buf;
    while (len > 0) {
        int32_t n = semi_write(fd, p, len);
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= n;
    }
    return 0;
}

int semi_read_all(int fd, void *buf, size_t len) {
    uint8_t *p = buf;
    while (len > 0) {
        int32_t n = semi_read(fd, p, len);
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= n;
    }
    return 0;
}

void semi_puts(int fd, const char *s) {
    semi_write_all(fd, s, strlen(s));
}

void semi_put_hex(int fd, uint32_t v) {
    char b[11] = "0x";
    for (int i = 0; i < 8; i++) {
        uint32_t d = (v >> (28 - 4 * i)) & 0xf;
        b[2 + i] = d < 10 ? '0' + d : 'a' + d - 10;
    }
    b[10] = 0;
    semi_puts(fd, b);
}

void semi_put_dec(int fd, uint64_t v) {
    // No 64-bit division helpers are guaranteed here: use repeated subtraction of powers of ten.
    char b[21];
    int n = 0;
    uint64_t p = 10000000000000000000ULL;
    int started = 0;
    while (p) {
        int d = 0;
        while (v >= p) {
            v -= p;
            d++;
        }
        if (d || started || p == 1) {
            b[n++] = '0' + d;
            started = 1;
        }
        p = p / 10 ? p / 10 : 0;
        if (p == 0) {
            break;
        }
    }
    semi_write_all(fd, b, n);
}
