// Entry point of the ussl host port:
//   micropython [-X heapsize=N[k|m]] [-c CODE | FILE [ARGS...]]
// FILE runs a script (exit status 1 and a traceback on stderr on an uncaught exception,
// sys.exit(n) -> n); no FILE -> the friendly REPL on stdin (works whether or not stdin is a tty).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "py/builtin.h"
#include "py/compile.h"
#include "py/gc.h"
#include "py/lexer.h"
#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/mpstate.h"
#include "py/nlr.h"
#include "py/repl.h"
#include "py/runtime.h"
#include "py/stackctrl.h"
#include "shared/runtime/gchelper.h"
#include "shared/runtime/pyexec.h"

void mp_hal_install_sigint(void);

static char *heap;

// Execute a lexer's source; returns the process exit status.
static int execute_lexer(mp_lexer_t *lex, mp_parse_input_kind_t kind) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        qstr source_name = lex->source_name;
        mp_parse_tree_t pt = mp_parse(lex, kind);
        mp_obj_t fun = mp_compile(&pt, source_name, false);
        mp_call_function_0(fun);
        nlr_pop();
        return 0;
    }
    mp_obj_t exc = MP_OBJ_FROM_PTR(nlr.ret_val);
    if (mp_obj_is_subclass_fast(MP_OBJ_FROM_PTR(mp_obj_get_type(exc)), MP_OBJ_FROM_PTR(&mp_type_SystemExit))) {
        mp_obj_t val = mp_obj_exception_get_value(exc);
        if (val == mp_const_none) {
            return 0;
        }
        mp_int_t code;
        if (mp_obj_get_int_maybe(val, &code)) {
            return code & 0xff;
        }
        mp_obj_print_helper(&mp_stderr_print, val, PRINT_STR);
        mp_print_str(&mp_stderr_print, "\n");
        return 1;
    }
    mp_obj_print_exception(&mp_stderr_print, exc);
    return 1;
}

static int run_file(const char *path) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_lexer_t *lex = mp_lexer_new_from_file(qstr_from_str(path));
        nlr_pop();
        return execute_lexer(lex, MP_PARSE_FILE_INPUT);
    }
    // Could not open the file.
    fprintf(stderr, "micropython: can't open file '%s'\n", path);
    return 2;
}

static int run_string(const char *code) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_lexer_t *lex = mp_lexer_new_from_str_len(MP_QSTR__lt_stdin_gt_, code, strlen(code), false);
        nlr_pop();
        return execute_lexer(lex, MP_PARSE_FILE_INPUT);
    }
    mp_obj_print_exception(&mp_stderr_print, MP_OBJ_FROM_PTR(nlr.ret_val));
    return 1;
}

static size_t parse_size(const char *s) {
    char *end;
    size_t n = strtoul(s, &end, 0);
    if (*end == 'k' || *end == 'K') {
        n *= 1024;
    } else if (*end == 'm' || *end == 'M') {
        n *= 1024 * 1024;
    }
    return n;
}

static void usage(void) {
    fprintf(stderr, "usage: micropython [-X heapsize=N[k|m]] [-c CODE | FILE [ARGS...]]\n");
    exit(2);
}

int main(int argc, char **argv) {
    mp_stack_ctrl_init();
    // The main thread has 8 MiB of stack; leave a generous margin for C code below the check.
    mp_stack_set_limit(256 * 1024);

    size_t heap_size = MICROPY_GC_HEAP_SIZE_DEFAULT;
    const char *code = NULL;
    int a = 1;
    for (; a < argc; a++) {
        if (strcmp(argv[a], "-X") == 0 && a + 1 < argc) {
            a++;
            if (strncmp(argv[a], "heapsize=", 9) == 0) {
                heap_size = parse_size(argv[a] + 9);
                if (heap_size < 16 * 1024) {
                    usage();
                }
            } else {
                usage();
            }
        } else if (strcmp(argv[a], "-c") == 0 && a + 1 < argc) {
            code = argv[++a];
            a++;
            break;
        } else if (strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0) {
            usage();
        } else {
            break;
        }
    }

    heap = malloc(heap_size);
    if (heap == NULL) {
        fprintf(stderr, "micropython: cannot allocate a %zu-byte heap\n", heap_size);
        return 1;
    }
    gc_init(heap, heap + heap_size);
    mp_init();
    mp_hal_install_sigint();

    // sys.path: the script's directory first (like unix micropython), else '' (cwd).
    // mp_init() may already have put defaults there; start from a clean list.
    mp_obj_list_init(MP_OBJ_TO_PTR(mp_sys_path), 0);
    const char *script = (code == NULL && a < argc) ? argv[a] : NULL;
    if (script != NULL) {
        const char *slash = strrchr(script, '/');
        mp_obj_t dir;
        if (slash == NULL) {
            dir = MP_OBJ_NEW_QSTR(MP_QSTR_);
        } else if (slash == script) {
            dir = MP_OBJ_NEW_QSTR(MP_QSTR__slash_);
        } else {
            dir = mp_obj_new_str(script, slash - script);
        }
        mp_obj_list_append(mp_sys_path, dir);
    } else {
        mp_obj_list_append(mp_sys_path, MP_OBJ_NEW_QSTR(MP_QSTR_));
    }

    // sys.argv: script and its arguments (like unix micropython).
    mp_obj_list_init(MP_OBJ_TO_PTR(mp_sys_argv), 0);
    for (int i = a; i < argc; i++) {
        mp_obj_list_append(mp_sys_argv, mp_obj_new_str(argv[i], strlen(argv[i])));
    }

    int status;
    if (code != NULL) {
        status = run_string(code);
    } else if (script != NULL) {
        status = run_file(script);
    } else {
        mp_hal_stdio_mode_raw();
        for (;;) {
            int r;
            if (pyexec_mode_kind == PYEXEC_MODE_RAW_REPL) {
                r = pyexec_raw_repl();
            } else {
                r = pyexec_friendly_repl();
            }
            if (r & PYEXEC_FORCED_EXIT) {
                break;
            }
        }
        mp_hal_stdio_mode_orig();
        mp_hal_stdout_tx_str("\n");
        status = 0;
    }

    mp_deinit();
    free(heap);
    return status;
}

// ---- functions the core expects from a port ----

void gc_collect(void) {
    gc_collect_start();
    gc_helper_collect_regs_and_stack();
    gc_collect_end();
}

mp_import_stat_t mp_import_stat(const char *path) {
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            return MP_IMPORT_STAT_DIR;
        } else if (S_ISREG(st.st_mode)) {
            return MP_IMPORT_STAT_FILE;
        }
    }
    return MP_IMPORT_STAT_NO_EXIST;
}

void nlr_jump_fail(void *val) {
    fprintf(stderr, "FATAL: uncaught NLR %p\n", val);
    exit(1);
}

void NORETURN __fatal_error(const char *msg) {
    fprintf(stderr, "FATAL: %s\n", msg);
    exit(1);
}

#ifndef NDEBUG
void MP_WEAK __assert_func(const char *file, int line, const char *func, const char *expr) {
    fprintf(stderr, "Assertion '%s' failed, at file %s:%d\n", expr, file, line);
    __fatal_error("Assertion failed");
}
#endif
