# BearSSL, the peer `make bench` measures beside ussl (included from tests/tests.mk).
#   make bearssl-bench-elfs    fetches BearSSL's source from Debian (tests/bench/bearssl/fetch-bearssl.sh,
#                              into $(BUILD)/bearssl-src; nothing of it is committed), builds it for the
#                              lx106 and links tests/bench/bearssl/client.c twice:
#                              $(BUILD)/bearssl/client-full.elf (br_ssl_client_init_full) and
#                              $(BUILD)/bearssl/client-min.elf (only what the measured suites need);
#                              $(BUILD)/bearssl/ready is written last, when both are linked.
# The second half of this file is the build itself, run as a sub-make once the source tree is known.
BEARSSL_BUILD ?= $(BUILD)/bearssl

ifeq ($(BEARSSL_SRC),)
.PHONY: bearssl-bench-elfs
bearssl-bench-elfs:
	@rm -f $(BEARSSL_BUILD)/ready
	sh tests/certs/make-certs.sh $(BUILD)/certs
	@src=$$(sh tests/bench/bearssl/fetch-bearssl.sh $(BUILD)/bearssl-src) || \
	  { echo "bench: no BearSSL source from Debian (see above): the BearSSL part of the bench cannot run"; exit 1; }; \
	$(MAKE) --no-print-directory -j2 -f tests/bench/bearssl/bearssl.mk BEARSSL_SRC="$$src" \
	  BEARSSL_BUILD=$(abspath $(BEARSSL_BUILD)) CERTS=$(abspath $(BUILD)/certs) PYTHON=$(PYTHON) \
	  $(abspath $(BEARSSL_BUILD))/ready
else
# ---- sub-make: BEARSSL_SRC = the unpacked Debian source tree ----
CC      := xtensa-lx106-elf-gcc
AR      := xtensa-lx106-elf-ar
SIZE    := xtensa-lx106-elf-size
PYTHON  ?= python3
B       := $(BEARSSL_BUILD)
LX106   := micropython-port/lx106
BOARD   := boards/qemu_lx106
HERE    := tests/bench/bearssl
PICOLIBC_SPECS ?= /usr/lib/xtensa-lx106-elf/picolibc.specs

# BearSSL: -Os, the ESP8266 port's -mlongcalls -mtext-section-literals, BR_LOMUL (no fast
# 32x32->64 multiply: i15/m15 code) with BR_SLOW_MUL15 as the ESP8266 Arduino core's BearSSL build
# sets; no OS services (time, /dev/urandom). Its read-only data stays in flash (irom0) as the
# Rust engine's does: gcc reads it with byte loads too, which on the chip go through the board's
# load/store exception handler and here are answered by QEMU directly, as for the engine.
# BEARSSL_XTENSA_FLAGS="... -mforce-l32" builds the variant whose byte loads are 32-bit loads
# and shifts (no exception on the chip, more instructions), apart in lib-l32/.
BEARSSL_XTENSA_FLAGS ?= -mlongcalls -mtext-section-literals
BR_VARIANT := $(if $(filter -mforce-l32,$(BEARSSL_XTENSA_FLAGS)),lib-l32,lib)
BR_CFLAGS := -Os $(BEARSSL_XTENSA_FLAGS) -ffunction-sections -fdata-sections --specs=$(PICOLIBC_SPECS) \
	-DBR_LOMUL=1 -DBR_SLOW_MUL15=1 -DBR_USE_UNIX_TIME=0 -DBR_USE_WIN32_TIME=0 -DBR_USE_URANDOM=0 \
	-DBR_USE_GETENTROPY=0 -DBR_USE_WIN32_RAND=0 -DBR_RDRAND=0 -DBR_AES_X86NI=0 -DBR_SSE2=0 -DBR_POWER8=0 \
	-DBR_INT128=0 -DBR_UMUL128=0 -I$(BEARSSL_SRC)/inc -I$(BEARSSL_SRC)/src
# Our client and the board port's files it reuses, with the port's flags (py/mperrno.h from $(HERE)).
XTENSA_FLAGS := -mlongcalls -mtext-section-literals -mforce-l32
APP_CFLAGS := -Os -std=gnu99 -Wall $(XTENSA_FLAGS) -ffunction-sections -fdata-sections --specs=$(PICOLIBC_SPECS) \
	-I$(HERE) -I$(LX106) -I$(BOARD) -I$(B) -I$(BEARSSL_SRC)/inc

LIB_SRCS := $(sort $(shell find $(BEARSSL_SRC)/src -name '*.c'))
LIB_OBJS := $(patsubst $(BEARSSL_SRC)/src/%.c,$(B)/$(BR_VARIANT)/%.o,$(LIB_SRCS))
LIB := $(B)/$(BR_VARIANT)/libbearssl.a
PORT_OBJS := $(addprefix $(B)/port/,startup.o semihost.o relay.o entropy.o libgcc_fallback.o)

$(B)/$(BR_VARIANT)/%.o: $(BEARSSL_SRC)/src/%.c
	@mkdir -p $(@D)
	@$(CC) $(BR_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	@$(AR) rcs $@ $^
	@echo "AR $@ ($(words $^) objects)"

$(B)/port/%.o: $(LX106)/%.c
	@mkdir -p $(@D)
	$(CC) $(APP_CFLAGS) -c $< -o $@

$(B)/port/startup.o: $(LX106)/startup.S
	@mkdir -p $(@D)
	$(CC) $(APP_CFLAGS) -c $< -o $@

# Trust anchors from the bench's CAs (OTHER: the unrelated CA the check case must refuse) (and the build date, for certificate validity).
$(B)/bench_ta.h: $(CERTS)/ca.der $(CERTS)/rsa-ca.der $(CERTS)/other-ca.der $(HERE)/trust_anchor.py $(HERE)/bearssl.mk
	@mkdir -p $(@D)
	$(PYTHON) $(HERE)/trust_anchor.py $@ EC=$(CERTS)/ca.der RSA=$(CERTS)/rsa-ca.der OTHER=$(CERTS)/other-ca.der

$(B)/client-full.o: $(HERE)/client.c $(B)/bench_ta.h
	$(CC) $(APP_CFLAGS) -DBENCH_PROFILE_MIN=0 -c $< -o $@
$(B)/client-min.o: $(HERE)/client.c $(B)/bench_ta.h
	$(CC) $(APP_CFLAGS) -DBENCH_PROFILE_MIN=1 -c $< -o $@

# The board's own linker script, preprocessed without a TLS engine stack (BearSSL runs on the
# 8 KiB C stack, painted, with the 64 KiB painted overflow zone below it).
$(B)/lx106.ld: $(BOARD)/lx106.ld.S $(BOARD)/mpconfigboard.h $(HERE)/bearssl.mk
	@mkdir -p $(@D)
	$(CC) -E -P -x c -I$(BOARD) -DLX106_LIBC_RODATA_IN_DRAM=1 -DLX106_ENGINE_STACK_SIZE=0 $< -o $@

# Changes when BEARSSL_XTENSA_FLAGS switches variant, so the programs are linked again.
$(B)/variant: FORCE
	@mkdir -p $(@D)
	@echo '$(BR_VARIANT)' | cmp -s - $@ || echo '$(BR_VARIANT)' > $@
FORCE:

$(B)/client-%.elf: $(B)/client-%.o $(PORT_OBJS) $(LIB) $(B)/lx106.ld $(B)/variant
	$(CC) $(XTENSA_FLAGS) --specs=$(PICOLIBC_SPECS) -nostartfiles -T $(B)/lx106.ld -Wl,--gc-sections \
		-Wl,-Map=$(B)/client-$*.map -Wl,--no-warn-rwx-segments -o $@ $(B)/client-$*.o $(PORT_OBJS) \
		-Wl,--start-group $(LIB) -lc -lgcc -Wl,--end-group
	$(SIZE) $@

.PHONY: FORCE
.SECONDARY:
$(B)/ready: $(B)/client-full.elf $(B)/client-min.elf
	@echo "BearSSL $(notdir $(BEARSSL_SRC)) for the lx106 ($(BEARSSL_XTENSA_FLAGS)): $^" > $@
	@cat $@
endif
