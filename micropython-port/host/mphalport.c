// HAL of the ussl host port: stdio, time and interrupt handling on Linux.
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <termios.h>
#include <time.h>
#include <sys/time.h>
#include <poll.h>

#include "py/mphal.h"
#include "py/runtime.h"
#include "py/mpthread.h"
#include "py/stream.h"

// ---- interrupt character (Ctrl-C) -> KeyboardInterrupt via SIGINT ----

static void sighandler(int signum) {
    if (signum == SIGINT) {
        mp_sched_keyboard_interrupt();
    }
}

static bool raw_mode;

// pyexec enables Ctrl-C while code runs and disables it while the REPL reads a line. In
// raw terminal mode that means switching ISIG, so Ctrl-C raises SIGINT only during
// execution (SIGINT -> KeyboardInterrupt); otherwise the REPL sees it as a character.
void mp_hal_set_interrupt_char(int c) {
    if (!raw_mode) {
        return;
    }
    struct termios t;
    if (tcgetattr(0, &t) == 0) {
        if (c == 3) {
            t.c_lflag |= ISIG;
        } else {
            t.c_lflag &= ~ISIG;
        }
        tcsetattr(0, TCSANOW, &t);
    }
}

void mp_hal_install_sigint(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sighandler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    // Writes to a closed socket must give EPIPE, not kill the process.
    signal(SIGPIPE, SIG_IGN);
}

// ---- terminal mode ----

static struct termios orig_termios;

void mp_hal_stdio_mode_raw(void) {
    if (!isatty(0) || raw_mode) {
        return;
    }
    struct termios t;
    tcgetattr(0, &orig_termios);
    t = orig_termios;
    t.c_iflag &= ~(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
    t.c_lflag &= ~(ECHO | ICANON | IEXTEN | ISIG);
    t.c_cflag = (t.c_cflag & ~(CSIZE | PARENB)) | CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(0, TCSAFLUSH, &t);
    raw_mode = true;
}

void mp_hal_stdio_mode_orig(void) {
    if (!raw_mode) {
        return;
    }
    tcsetattr(0, TCSAFLUSH, &orig_termios);
    raw_mode = false;
}

// ---- stdio ----

static int stdin_eof_count = 0;

int mp_hal_stdin_rx_chr(void) {
    for (;;) {
        unsigned char c;
        ssize_t n = read(0, &c, 1);
        if (n == 1) {
            stdin_eof_count = 0;
            if (c == '\n' && !raw_mode) {
                c = '\r'; // readline ends a line on CR
            }
            return c;
        }
        if (n < 0 && errno == EINTR) {
            mp_handle_pending(true);
            continue;
        }
        // EOF (or error): report Ctrl-D, which ends the REPL on an empty line; if the
        // reader keeps asking after repeated EOFs, stop the process.
        if (++stdin_eof_count > 4) {
            mp_hal_stdio_mode_orig();
            fflush(stdout);
            _exit(0);
        }
        return stdin_eof_count == 1 ? '\r' : 4;
    }
}

static void write_all(int fd, const char *str, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, str, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        str += n;
        len -= n;
    }
}

mp_uint_t mp_hal_stdout_tx_strn(const char *str, size_t len) {
    write_all(1, str, len);
    return len;
}

void mp_hal_stdout_tx_str(const char *str) {
    mp_hal_stdout_tx_strn(str, strlen(str));
}

// In raw terminal mode "\n" must become "\r\n"; otherwise output goes out unchanged.
void mp_hal_stdout_tx_strn_cooked(const char *str, size_t len) {
    if (!raw_mode) {
        mp_hal_stdout_tx_strn(str, len);
        return;
    }
    const char *last = str;
    const char *end = str + len;
    for (const char *p = str; p < end; p++) {
        if (*p == '\n') {
            if (p > last) {
                mp_hal_stdout_tx_strn(last, p - last);
            }
            mp_hal_stdout_tx_strn("\r\n", 2);
            last = p + 1;
        }
    }
    if (end > last) {
        mp_hal_stdout_tx_strn(last, end - last);
    }
}

static void stderr_print_strn(void *env, const char *str, size_t len) {
    (void)env;
    write_all(2, str, len);
}

const mp_print_t mp_stderr_print = {NULL, stderr_print_strn};

// ---- time ----

mp_uint_t mp_hal_ticks_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

mp_uint_t mp_hal_ticks_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

mp_uint_t mp_hal_ticks_cpu(void) {
    return mp_hal_ticks_us();
}

uint64_t mp_hal_time_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void mp_hal_delay_ms(mp_uint_t ms) {
    mp_uint_t start = mp_hal_ticks_ms();
    for (;;) {
        mp_uint_t elapsed = mp_hal_ticks_ms() - start;
        if (elapsed >= ms) {
            break;
        }
        mp_uint_t left = ms - elapsed;
        // Sleep in short slices so Ctrl-C stays responsive.
        usleep((left > 10 ? 10 : left) * 1000);
        mp_handle_pending(true);
    }
}

uintptr_t mp_hal_stdio_poll(uintptr_t poll_flags) {
    uintptr_t ret = 0;
    struct pollfd pfd[2] = { { .fd = 0, .events = POLLIN }, { .fd = 1, .events = POLLOUT } };
    if (poll(pfd, 2, 0) > 0) {
        if ((poll_flags & MP_STREAM_POLL_RD) && (pfd[0].revents & POLLIN)) {
            ret |= MP_STREAM_POLL_RD;
        }
        if ((poll_flags & MP_STREAM_POLL_WR) && (pfd[1].revents & POLLOUT)) {
            ret |= MP_STREAM_POLL_WR;
        }
    }
    return ret;
}
