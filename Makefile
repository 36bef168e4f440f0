# ussl: TLS 1.3 for MicroPython on the ESP8266.
#   make run [SCRIPT=file.py]   emulated ESP8266 REPL (or run a script there)
#   make test                   every test
#   make bench                  figures on the emulated lx106
BUILD     ?= build
PYTHON    ?= python3
export PATH := $(HOME)/.cargo/bin:$(PATH)

# MicroPython source: MICROPY_DIR=... or fetched (pinned git tag, else PyPI sdist).
MPY_DIR := $(shell MICROPY_DIR="$(MICROPY_DIR)" micropython-port/tools/fetch-micropython.sh $(BUILD) 2>/dev/null || echo MISSING)

.PHONY: all deps run test bench clean
all: host board

include rust/rust.mk
include rust/p256verify/p256verify.mk
include micropython-port/host/host.mk
include micropython-port/lx106/lx106.mk
include micropython-port/unix/unix.mk
include tests/tests.mk
include boards/esp8266.mk
include fuzz/fuzz.mk

# Installs what a fresh machine lacks (apt packages, gnutls-bin for the gnutls-serv peer, rust-src, cbindgen, pip packages:
# pyserial for pyboard.py, esptool, cryptography for the hostile TLS peer tests/hostile/).
deps:
	@tools_missing=0; \
	for t in xtensa-lx106-elf-gcc xtensa-lx106-elf-as qemu-system-xtensa openssl gnutls-serv; do command -v $$t >/dev/null || tools_missing=1; done; \
	if [ $$tools_missing = 1 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf qemu-system-misc openssl gnutls-bin >/dev/null; \
	fi
	@rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src' || rustup component add rust-src --toolchain nightly
	@command -v cbindgen >/dev/null || cargo install --locked cbindgen@0.29.4
	@command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz@0.13.2
	@rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^miri' || rustup component add miri --toolchain nightly
	@$(PYTHON) -c "import serial" 2>/dev/null || $(PYTHON) -m pip install -q pyserial==3.5 2>/dev/null || \
	  $(PYTHON) -m pip install -q --break-system-packages pyserial==3.5 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-serial >/dev/null; }
	@command -v esptool.py >/dev/null || $(PYTHON) -m pip install -q esptool==4.8.1 2>/dev/null || \
	  $(PYTHON) -m pip install -q --break-system-packages esptool==4.8.1 || echo "deps: esptool not installed (the link check's image step will say so)"
	@$(PYTHON) -c "import cryptography" 2>/dev/null || $(PYTHON) -m pip install -q cryptography==48.0.0 2>/dev/null || \
	  $(PYTHON) -m pip install -q --break-system-packages cryptography==48.0.0 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-cryptography >/dev/null; }
	@test "$(MPY_DIR)" != MISSING || { echo "no MicroPython source (see micropython-port/tools/fetch-micropython.sh)"; exit 1; }

clean:
	rm -rf $(BUILD)/host $(BUILD)/host-sanitize $(BUILD)/lx106 $(BUILD)/esp8266 $(BUILD)/bearssl $(BUILD)/fuzz target fuzz/target
