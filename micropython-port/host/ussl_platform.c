// Platform hooks the ussl engine needs on the host: entropy from the kernel.
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/random.h>

int32_t ussl_platform_entropy(uint8_t *buf, size_t len);

int32_t ussl_platform_entropy(uint8_t *buf, size_t len) {
    while (len > 0) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        buf += n;
        len -= n;
    }
    if (len == 0) {
        return 0;
    }
    // Fallback when getrandom() is unavailable (old kernels, seccomp).
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            close(fd);
            return -1;
        }
        buf += n;
        len -= n;
    }
    close(fd);
    return 0;
}

// The prebuilt libcore for x86_64-unknown-linux-gnu carries unwind tables that name
// rust_eh_personality even when the engine is built with panic=abort and never unwinds.
// Weak, so a definition from the engine archive takes precedence.
void __attribute__((weak, noreturn)) rust_eh_personality(void);
void rust_eh_personality(void) {
    abort();
}
