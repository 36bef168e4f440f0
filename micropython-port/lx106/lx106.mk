# Emulated ESP8266 board (QEMU -M sim -cpu lx106), included by the top Makefile.
#   make board                 -> build/lx106/firmware.elf (engine + ussl shim linked when available)
#   make run [SCRIPT=file.py]  -> REPL on the board, or run a script there (exit code propagated)
#   make test-board-smoke      -> quick board checks (arithmetic, gc, ticks_cpu determinism, socket relay)
# Switches: LX106_ENGINE=0|1 (link $(ENGINE_LX106_LIB), built by `engine-lx106`; default 1 when
# rust/rust.mk provides it), LX106_USSL=0|1 (compile micropython-port/ussl/modussl.c; default 1
# when the engine is linked and the file exists), RUN_ARGS=... (extra run.py options, e.g. --stats),
# LX106_HEAP_KB=n (GC heap size for experiments; default 38 as on the real ESP8266),
# LX106_ENGINE_STACK=n (bytes, multiple of 64: the TLS engine's own stack, for experiments;
# default in boards/qemu_lx106/mpconfigboard.h), LX106_VERIFY_MEASURE=1 (let wrap_socket verify
# certificates although the engine stack cannot hold the verifier: only for measuring its
# need with lx106.stack_guard(False), see tests/board/tls_probe.py), LX106_HEAP_STACK=1 (the
# engine stack's block taken from the GC heap as on the real board, see mpconfigport.h).
LX106_DIR       := micropython-port/lx106
LX106_BOARD_DIR := boards/qemu_lx106
LX106_BUILD     := $(BUILD)/lx106
LX106_FIRMWARE  := $(LX106_BUILD)/firmware.elf

ifneq ($(ENGINE_LX106_LIB),)
LX106_ENGINE ?= 1
else
LX106_ENGINE ?= 0
endif
ENGINE_LX106_LIB ?= $(BUILD)/esp8266/libussl_engine.a
ifeq ($(LX106_ENGINE),1)
LX106_USSL ?= $(if $(wildcard micropython-port/ussl/modussl.c),1,0)
LX106_ENGINE_DEP := engine-lx106
LX106_ENGINE_ARG := ENGINE_LIB=$(abspath $(ENGINE_LX106_LIB))
else
LX106_USSL ?= 0
LX106_ENGINE_DEP :=
LX106_ENGINE_ARG := ENGINE_LIB=
endif
# One object directory per configuration, so switching never mixes objects built with other flags.
# LX106_HEAP_STACK=1: the shim also takes the engine stack's block from the GC heap, as the
# real board does (MICROPY_USSL_SHARED_STACK_SIZE), to see the heap as the chip has it.
LX106_CFLAGS_EXTRA := $(strip $(if $(filter 1,$(LX106_VERIFY_MEASURE)),-DMICROPY_USSL_VERIFY_STACK_OK=1) \
	$(if $(filter 1,$(LX106_HEAP_STACK)),-DLX106_HEAP_STACK=1))
LX106_OBJ := $(abspath $(LX106_BUILD))/obj-e$(LX106_ENGINE)-u$(LX106_USSL)$(if $(LX106_HEAP_KB),-h$(LX106_HEAP_KB))$(if $(LX106_ENGINE_STACK),-s$(LX106_ENGINE_STACK))$(if $(filter 1,$(LX106_VERIFY_MEASURE)),-verify)$(if $(filter 1,$(LX106_HEAP_STACK)),-hs)

.PHONY: board run test-board-smoke
board: $(LX106_ENGINE_DEP)
	@test "$(MPY_DIR)" != MISSING || { echo "no MicroPython source (see micropython-port/tools/fetch-micropython.sh)"; exit 1; }
	$(MAKE) -C $(LX106_DIR) TOP=$(abspath $(MPY_DIR)) BUILD=$(LX106_OBJ) BOARD_DIR=$(abspath $(LX106_BOARD_DIR)) \
		$(LX106_ENGINE_ARG) USSL=$(LX106_USSL) $(if $(LX106_HEAP_KB),HEAP_KB=$(LX106_HEAP_KB)) \
		$(if $(LX106_ENGINE_STACK),ENGINE_STACK=$(LX106_ENGINE_STACK)) \
		$(if $(LX106_CFLAGS_EXTRA),CFLAGS_EXTRA="$(LX106_CFLAGS_EXTRA)") FIRMWARE=$(LX106_OBJ)/firmware.elf PYTHON=$(PYTHON)
	cp $(LX106_OBJ)/firmware.elf $(LX106_FIRMWARE)
	@echo "board: $(LX106_FIRMWARE) (engine=$(LX106_ENGINE) ussl=$(LX106_USSL))"

run: board
	$(PYTHON) $(LX106_BOARD_DIR)/run.py --firmware $(LX106_FIRMWARE) $(RUN_ARGS) $(if $(SCRIPT),--script $(SCRIPT))

test-board-smoke: board
	$(PYTHON) tests/board/smoke.py --firmware $(LX106_FIRMWARE)
