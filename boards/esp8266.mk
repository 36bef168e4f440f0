# The real ESP8266 firmware: MicroPython's ports/esp8266 with boards/ESP8266_USSL (ussl in
# place of axTLS), and a link check that runs without the SDK. Included by the top Makefile.
#   make firmware MICROPY_DIR=<checkout> [BOARD_VARIANT=FLASH_1M]
#                           -> $(ESP8266_FW_BUILD)/firmware-combined.bin (esp-open-sdk on PATH)
#   make deploy PORT=/dev/ttyUSB0 [BAUD=460800]      flash it with esptool
#   make test-board PORT=/dev/ttyUSB0 MICROPY_DIR=<checkout>
#                           the project's tests/micropython scripts, then upstream's ssl tests
#   make test-esp8266-link  link check (placement + figures; irom0, IRAM and DRAM budgets enforced)
#   make esp8266-budget     the budgets alone, on the 1 MiB variant
#   make test-esp8266       link check, flash-load emulation test on QEMU, failing-fast checks
ESP8266_BOARD_DIR   := boards/ESP8266_USSL
BOARD_VARIANT       ?=
ESP8266_VARIANT     := $(if $(BOARD_VARIANT),$(BOARD_VARIANT),FLASH_2M)
ESP8266_FW_BUILD    := $(abspath $(BUILD))/esp8266/firmware-$(ESP8266_VARIANT)
ESP8266_LC_BUILD    := $(BUILD)/esp8266/linkcheck
PORT                ?=
BAUD                ?= 460800
ESPTOOL             ?= esptool.py

.PHONY: firmware deploy test-board firmware-check deploy-check test-board-check \
	test-esp8266 test-esp8266-link esp8266-budget esp8266-linkcheck-objs test-esp8266-flashload test-esp8266-failfast

# ---------------------------------------------------------------------------------------
# Firmware (needs what this machine does not have: checked first, with a message).
firmware-check:
	@test -n "$(MICROPY_DIR)" || { echo "firmware: MICROPY_DIR is not set: give a MicroPython checkout (git clone -b v1.24.1 https://github.com/micropython/micropython; make -C mpy-cross; make -C ports/esp8266 submodules)"; exit 1; }
	@test -f "$(MICROPY_DIR)/ports/esp8266/Makefile" || { echo "firmware: $(MICROPY_DIR) has no ports/esp8266/Makefile (a full MicroPython checkout is needed, not the PyPI sdist)"; exit 1; }
	@test -f "$(MICROPY_DIR)/ports/esp8266/boards/esp8266_common.ld" || { echo "firmware: $(MICROPY_DIR)/ports/esp8266/boards/esp8266_common.ld is missing"; exit 1; }
	@command -v xtensa-lx106-elf-gcc >/dev/null || { echo "firmware: xtensa-lx106-elf-gcc is not on PATH (the esp-open-sdk toolchain: export PATH=<esp-open-sdk>/xtensa-lx106-elf/bin:\$$PATH)"; exit 1; }
	@sdk=$$(xtensa-lx106-elf-gcc -print-sysroot 2>/dev/null)/usr; \
	  test -f "$$sdk/lib/libmain.a" && test -f "$$sdk/include/user_interface.h" || { echo "firmware: the ESP8266 NONOS SDK is not in the toolchain's sysroot ($$sdk/lib/libmain.a, $$sdk/include/user_interface.h): use the esp-open-sdk toolchain (make STANDALONE=y), not Debian's gcc-xtensa-lx106"; exit 1; }
	@command -v $(ESPTOOL) >/dev/null || { echo "firmware: $(ESPTOOL) is not on PATH (pip install esptool): the port makes the image with it"; exit 1; }

firmware: firmware-check engine-chip
	$(MAKE) -C $(MICROPY_DIR)/ports/esp8266 BOARD=ESP8266_USSL BOARD_DIR=$(abspath $(ESP8266_BOARD_DIR)) \
		$(if $(BOARD_VARIANT),BOARD_VARIANT=$(BOARD_VARIANT)) BUILD=$(ESP8266_FW_BUILD) \
		USER_C_MODULES=$(abspath micropython-port) USSL_ENGINE_LIB=$(abspath $(ENGINE_CHIP_LIB)) \
		MICROPY_PY_SSL=0 MICROPY_SSL_AXTLS=0 ESPTOOL=$(ESPTOOL)
	@echo "firmware: $(ESP8266_FW_BUILD)/firmware-combined.bin (flash with: make deploy PORT=/dev/ttyUSB0)"

deploy-check:
	@test -n "$(PORT)" || { echo "deploy: PORT is not set (make deploy PORT=/dev/ttyUSB0)"; exit 1; }
	@test -e "$(PORT)" || { echo "deploy: serial port $(PORT) does not exist (board plugged in? permissions: dialout group)"; exit 1; }
	@command -v $(ESPTOOL) >/dev/null || { echo "deploy: $(ESPTOOL) is not on PATH (pip install esptool)"; exit 1; }
	@test -f "$(ESP8266_FW_BUILD)/firmware-combined.bin" || { echo "deploy: no $(ESP8266_FW_BUILD)/firmware-combined.bin: run make firmware MICROPY_DIR=<checkout> first"; exit 1; }

deploy: deploy-check
	$(ESPTOOL) --port $(PORT) --baud $(BAUD) erase_flash
	$(ESPTOOL) --port $(PORT) --baud $(BAUD) write_flash --flash_size=detect -fm dout 0 $(ESP8266_FW_BUILD)/firmware-combined.bin

test-board-check:
	@test -n "$(PORT)" || { echo "test-board: PORT is not set (make test-board PORT=/dev/ttyUSB0 MICROPY_DIR=<checkout>)"; exit 1; }
	@test -e "$(PORT)" || { echo "test-board: serial port $(PORT) does not exist"; exit 1; }
	@test -n "$(MICROPY_DIR)" && test -f "$(MICROPY_DIR)/tests/run-tests.py" || { echo "test-board: MICROPY_DIR must be a MicroPython checkout with tests/run-tests.py"; exit 1; }
	@$(PYTHON) -c "import serial" 2>/dev/null || { echo "test-board: pyserial is missing (pip install pyserial)"; exit 1; }

# The board reaches the test servers over Wi-Fi: TEST_HOST is this machine's address on
# that network (the scripts connect there), see the README.
test-board: test-board-check
	@test -n "$(TEST_HOST)" || { echo "test-board: TEST_HOST is not set: this machine's address on the board's Wi-Fi network (the test servers listen there)"; exit 1; }
	$(PYTHON) tests/run-micropython-tests.py --target board --transport pyboard --device $(PORT) \
		--pyboard $(abspath $(MICROPY_DIR))/tools/pyboard.py --server-host $(TEST_HOST) --timeout 120
	cd $(MICROPY_DIR)/tests && $(PYTHON) ./run-tests.py --target esp8266 --device $(PORT) \
		extmod/ssl_*.py extmod/tls_*.py net_inet/*tls*.py net_inet/*ssl*.py

# ---------------------------------------------------------------------------------------
# Link check: the shim and board glue compiled as the port compiles C (flags of
# ports/esp8266/Makefile), with MicroPython's headers (the emulated board's configuration
# and generated qstrs stand in for the port's: the port's need the SDK).
ESP8266_PORT_CFLAGS := -std=gnu99 -Os -DNDEBUG -Wall -Wpointer-arith -Werror -fsingle-precision-constant \
	-Wdouble-promotion -D__ets__ -DICACHE_FLASH -fno-inline-functions -mlongcalls -mtext-section-literals \
	-mforce-l32 -DLWIP_OPEN_SRC -ffunction-sections -fdata-sections
ESP8266_LC_CFLAGS := $(ESP8266_PORT_CFLAGS) --specs=/usr/lib/xtensa-lx106-elf/picolibc.specs \
	-Itests/esp8266/linkcheck -I$(LX106_BOARD_DIR) -I$(LX106_OBJ) -I$(MPY_DIR) -Imicropython-port/ussl \
	-I$(LX106_DIR) -I$(ESP8266_BOARD_DIR) -DLX106_USSL=0 -DLX106_FLOAT=1
ESP8266_LC_OBJS := $(ESP8266_LC_BUILD)/modussl.o $(ESP8266_LC_BUILD)/ussl_esp8266.o $(ESP8266_LC_BUILD)/ussl_flashload.o

esp8266-linkcheck-objs: board
	@mkdir -p $(ESP8266_LC_BUILD)
	$(XTENSA_PREFIX)gcc $(ESP8266_LC_CFLAGS) -c micropython-port/ussl/modussl.c -o $(ESP8266_LC_BUILD)/modussl.o
	$(XTENSA_PREFIX)gcc $(ESP8266_LC_CFLAGS) -c $(ESP8266_BOARD_DIR)/ussl_esp8266.c -o $(ESP8266_LC_BUILD)/ussl_esp8266.o
	$(XTENSA_PREFIX)gcc $(ESP8266_LC_CFLAGS) -c $(ESP8266_BOARD_DIR)/ussl_flashload.c -o $(ESP8266_LC_BUILD)/ussl_flashload.o

ESP8266_LINKCHECK = $(PYTHON) tests/esp8266/linkcheck/linkcheck.py --board-dir $(ESP8266_BOARD_DIR) \
	--shape tests/esp8266/linkcheck/esp8266_common_shape.ld --engine $(ENGINE_CHIP_LIB) --out $(ESP8266_LC_BUILD)

# Every budget is enforced (irom0 <= 160 KiB, IRAM 0, static DRAM <= 2 KiB): a change that
# outgrows one fails make test.
# With esptool installed (make deps), the image esptool makes from the link is checked too.
ESP8266_LC_ESPTOOL = $(if $(shell command -v $(ESPTOOL)),--esptool $(ESPTOOL))
test-esp8266-link: esp8266-linkcheck-objs engine-chip
	sh tests/check-esp8266-archive.sh $(ENGINE_CHIP_LIB) $(ENGINE_CHIP_OBJDIR)/as.log
	$(ESP8266_LINKCHECK) --variant FLASH_2M --enforce irom,iram,dram $(ESP8266_LC_ESPTOOL) $(ESP8266_LC_OBJS)
	$(ESP8266_LINKCHECK) --variant FLASH_1M --enforce irom,iram,dram $(ESP8266_LC_ESPTOOL) $(ESP8266_LC_OBJS)
	@if $(ESP8266_LINKCHECK)-selftest --variant FLASH_2M --enforce iram,dram \
		--fragment tests/esp8266/linkcheck/forgetful_irom0.ld $(ESP8266_LC_OBJS) >$(ESP8266_LC_BUILD)-selftest.log 2>&1; then \
	  echo "test-esp8266-link: the check PASSED a fragment that leaves the engine in IRAM"; exit 1; \
	elif grep -q "iram1_0_seg" $(ESP8266_LC_BUILD)-selftest.log; then \
	  echo "test-esp8266-link: self-test ok, a fragment that forgets the engine fails: $$(grep -m1 iram1_0_seg $(ESP8266_LC_BUILD)-selftest.log)"; \
	else echo "test-esp8266-link: self-test failed for another reason:"; tail -5 $(ESP8266_LC_BUILD)-selftest.log; exit 1; fi
	@test -n "$(ESP8266_LC_ESPTOOL)" || echo "test-esp8266-link: esptool image step NOT run ($(ESPTOOL) not on PATH; make deps installs it)"

esp8266-budget: esp8266-linkcheck-objs engine-chip
	$(ESP8266_LINKCHECK) --variant FLASH_1M --enforce irom,iram,dram $(ESP8266_LC_OBJS)

test-esp8266-flashload:
	sh tests/esp8266/flashload/run-flashload-test.sh $(BUILD)/esp8266/flashload

# firmware/deploy/test-board must stop at once, naming what is missing.
test-esp8266-failfast:
	sh tests/esp8266/failfast.sh

test-esp8266: test-esp8266-link test-esp8266-flashload test-esp8266-failfast
