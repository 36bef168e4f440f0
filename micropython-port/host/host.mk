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

# The host port with AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer on the C
# side (MicroPython core, port, ussl shim; the Rust engine links unchanged), then every test
# script on it. Sanitizer reports go to files in $(HOST_SAN_BUILD)/reports: any report fails.
#   make host-sanitize        build/host-sanitize/micropython
#   make test-host-sanitize   tests/micropython/*.py on it (part of make test)
HOST_SAN_BUILD := $(abspath $(BUILD))/host-sanitize
HOST_SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Non-local returns through setjmp/longjmp, which ASan intercepts (the x86-64 assembly NLR
# jumps behind its back and leaves stale shadow and broken frames).
HOST_SAN_CFLAGS := $(HOST_SAN_FLAGS) -DMICROPY_NLR_SETJMP=1
# detect_stack_use_after_return stays off: its fake stacks would hide GC roots from the
# collector's stack scan.
HOST_SAN_ENV := ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0:abort_on_error=0:log_path=$(HOST_SAN_BUILD)/reports/asan \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(HOST_SAN_BUILD)/reports/ubsan \
	LSAN_OPTIONS=log_path=$(HOST_SAN_BUILD)/reports/lsan

.PHONY: host-sanitize test-host-sanitize
host-sanitize: engine-host
	@test "$(MPY_DIR)" != MISSING || { echo "host-sanitize: no MicroPython source"; exit 1; }
	@mkdir -p $(HOST_SAN_BUILD)
	$(MAKE) -C micropython-port/host TOP=$(MPY_DIR) BUILD=$(HOST_SAN_BUILD) USSL=1 \
	  USSL_ENGINE_LIB=$(abspath $(ENGINE_HOST_LIB)) COPT="-O1 -g" \
	  CFLAGS_EXTRA="$(HOST_SAN_CFLAGS)" LDFLAGS_EXTRA="$(HOST_SAN_FLAGS)"

test-host-sanitize: host-sanitize
	@rm -rf $(HOST_SAN_BUILD)/reports && mkdir -p $(HOST_SAN_BUILD)/reports
	@# the build must really be instrumented, else a clean run proves nothing
	@nm $(HOST_SAN_BUILD)/micropython | grep -q __asan_report_load && nm $(HOST_SAN_BUILD)/micropython | grep -q __ubsan_handle \
	  || { echo "test-host-sanitize: binary is not instrumented"; exit 1; }
	$(HOST_SAN_ENV) $(PYTHON) tests/run-micropython-tests.py --target host --timeout 180 --micropython $(HOST_SAN_BUILD)/micropython
	@if ls $(HOST_SAN_BUILD)/reports/* >/dev/null 2>&1; then cat $(HOST_SAN_BUILD)/reports/*; \
	  echo "test-host-sanitize: sanitizer reports above"; exit 1; fi
	@echo "test-host-sanitize: no sanitizer reports"
