# ESP8266 with ussl in place of axTLS, for MicroPython's ports/esp8266 (v1.24; BOARD_DIR).
# Build it through the project: `make firmware MICROPY_DIR=<checkout> [BOARD_VARIANT=FLASH_1M]`
# (boards/esp8266.mk), which also passes what a board file cannot set, because the port's
# Makefile assigns it after including this file: MICROPY_PY_SSL=0 MICROPY_SSL_AXTLS=0
# (axTLS off), USER_C_MODULES=<project>/micropython-port and USSL_ENGINE_LIB=<libussl_engine.a>.
# Variants: (default) 2 MiB flash or more; FLASH_1M.
USSL_BOARD_VARIANT := $(if $(BOARD_VARIANT),$(BOARD_VARIANT),FLASH_2M)

ifeq ($(USSL_BOARD_VARIANT),FLASH_2M)
USSL_MEMORY_LD = memory_2MiB.ld
MICROPY_PY_ESPNOW ?= 1
MICROPY_PY_BTREE ?= 1
MICROPY_VFS_FAT ?= 1
MICROPY_VFS_LFS2 ?= 1
# asyncio and the networking bundle (ssl, requests, ntptime...), as ESP8266_GENERIC.
FROZEN_MANIFEST ?= boards/ESP8266_GENERIC/manifest_2MiB.py
CFLAGS += -DMICROPY_ESP8266_2M
else ifeq ($(USSL_BOARD_VARIANT),FLASH_1M)
USSL_MEMORY_LD = memory_1MiB.ld
MICROPY_PY_ESPNOW ?= 1
MICROPY_PY_BTREE ?= 1
MICROPY_VFS_LFS2 ?= 1
CFLAGS += -DMICROPY_ESP8266_1M
else
$(error ESP8266_USSL: unknown BOARD_VARIANT $(BOARD_VARIANT) (FLASH_1M, or none for 2 MiB+))
endif

# Linker script: the variant's MEMORY, ussl's irom0 fragment, then the port's common script.
# Concatenated into $(BUILD) because ld resolves INCLUDE only in the current directory (the
# port's) and -L paths given before -T, which the port's link line does not allow.
USSL_LD := $(BUILD)/esp8266_ussl_$(USSL_BOARD_VARIANT).ld
$(shell mkdir -p $(BUILD) && { cat $(BOARD_DIR)/$(USSL_MEMORY_LD) $(BOARD_DIR)/esp8266_ussl_irom0.ld; \
	echo 'INCLUDE boards/esp8266_common.ld'; } > $(USSL_LD))
LD_FILES = $(USSL_LD)

# The Rust archive after the port's objects and the SDK libraries, with libgcc ahead of it:
# routines the port takes from libgcc (in IRAM, callable with the flash cache off) keep
# coming from libgcc; compiler_builtins (weak symbols, in flash) only serves the engine.
USSL_ENGINE_LIB ?=
ifeq ($(USSL_ENGINE_LIB),)
$(error ESP8266_USSL: USSL_ENGINE_LIB (the Rust archive, build/esp8266/libussl_engine.a) is not set: build with the project's `make firmware`)
endif
LDFLAGS_MOD += -lgcc $(USSL_ENGINE_LIB)
