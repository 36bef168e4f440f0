# Upstream MicroPython's unix port with ussl, for users with a full MicroPython checkout
# (included by the top Makefile; CI cannot run these: no full tree is reachable from it).
#   make unix MICROPY_DIR=<checkout>           -> build/unix/micropython: ports/unix (standard
#                                                 variant) + ussl as a user C module, its own TLS
#                                                 off, so ussl answers to `import tls` and the
#                                                 frozen micropython-lib `ssl` and asyncio run on it
#   make test-upstream MICROPY_DIR=<checkout>  MicroPython's ssl/tls tests on that binary
#                                                 (tests/run-upstream-tls.py prints pass/fail/skip)
# Without a usable checkout both stop at once and say what is missing.
UNIX_BUILD := $(abspath $(BUILD))/unix
UNIX_PROG  := $(UNIX_BUILD)/micropython
# MicroPython's TLS off (ussl registers `tls` then); ffi and btree off: they need libffi-dev
# and the berkeley-db submodule, and no ssl test uses them.
UNIX_MAKE_VARS := MICROPY_PY_SSL=0 MICROPY_SSL_MBEDTLS=0 MICROPY_SSL_AXTLS=0 MICROPY_PY_FFI=0 MICROPY_PY_BTREE=0

.PHONY: unix unix-check test-upstream
unix-check:
	@$(PYTHON) tests/run-upstream-tls.py --micropy-dir "$(MICROPY_DIR)" --check

# The engine is built after the check, so a missing tree fails before any work.
unix: unix-check
	$(MAKE) engine-host
	mkdir -p $(UNIX_BUILD)
	$(MAKE) -C "$(MICROPY_DIR)/ports/unix" BUILD=$(UNIX_BUILD)/obj $(UNIX_MAKE_VARS) \
		USER_C_MODULES=$(abspath micropython-port) \
		USSL_ENGINE_LIB=$(abspath $(ENGINE_HOST_LIB)) \
		USSL_PLATFORM_C=$(abspath micropython-port/host/ussl_platform.c)
	@# The binary lands in BUILD (recent ports/unix) or next to the Makefile (older ones); the one
	@# that carries ussl's text is ours.
	@for f in $(UNIX_BUILD)/obj/micropython "$(MICROPY_DIR)/ports/unix/micropython"; do \
	  if [ -x "$$f" ] && grep -qa "the ussl engine (embedded-tls) is a client only" "$$f"; then \
	    cp "$$f" $(UNIX_PROG); echo "unix: $(UNIX_PROG)"; exit 0; fi; \
	done; echo "unix: the port built, but no micropython binary with ussl found"; exit 1

test-upstream: unix-check unix
	$(PYTHON) tests/run-upstream-tls.py --micropy-dir "$(MICROPY_DIR)" --micropython $(UNIX_PROG)
