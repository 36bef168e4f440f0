# Host port (x86-64 Linux) of MicroPython with the ussl module. Included by the top Makefile,
# which provides BUILD, MPY_DIR and PYTHON.
#   make host              build/host/micropython (with ussl; builds the Rust engine first)
#   make host HOST_USSL=0  the same port without ussl (no Rust needed)
#   make test-host         MicroPython test scripts on the host port against real TLS servers
HOST_BUILD := $(abspath $(BUILD))/host
HOST_USSL ?= 1
# rust/rust.mk defines these; the defaults only matter if it does not.
ENGINE_HOST_LIB ?= target/release/libussl_engine.a

.PHONY: host host-build test-host

ifeq ($(HOST_USSL),1)
host: engine-host
endif
host: host-build

host-build:
	@test "$(MPY_DIR)" != MISSING || { echo "host: no MicroPython source (see micropython-port/tools/fetch-micropython.sh)"; exit 1; }
	@mkdir -p $(HOST_BUILD)
	@# a change of configuration (with/without ussl) starts from a clean build directory
	@if [ "$$(cat $(HOST_BUILD)/.config 2>/dev/null)" != "USSL=$(HOST_USSL)" ]; then \
	  rm -rf $(HOST_BUILD); mkdir -p $(HOST_BUILD); echo "USSL=$(HOST_USSL)" > $(HOST_BUILD)/.config; fi
	$(MAKE) -C micropython-port/host TOP=$(MPY_DIR) BUILD=$(HOST_BUILD) \
	  USSL=$(HOST_USSL) USSL_ENGINE_LIB=$(abspath $(ENGINE_HOST_LIB))

test-host: host
	$(PYTHON) tests/run-micropython-tests.py --target host --micropython $(HOST_BUILD)/micropython
