# Every test: Rust engine against real peers, MicroPython scripts on the host port and the emulated board.
#   make test-board-scripts     tests/micropython/*.py on the board through run.py --script
#   make test-board-pyboard     the same scripts through MicroPython's tools/pyboard.py and the pty
#                               launcher (execpty:"boards/qemu_lx106/run.py --pty"): raw REPL,
#                               soft reset and raw-paste as on a real board
#   make test-upstream-board MICROPY_DIR=<full MicroPython checkout>
#                               upstream tests/run-tests.py (basics extmod stress) on the board
.PHONY: test test-board-scripts test-board-pyboard test-upstream-board test-upstream-board-check test-full-tree-refusal
test: deps test-rust test-miri test-fuzz test-host test-host-sanitize test-board-smoke test-board-scripts test-board-pyboard test-esp8266 test-full-tree-refusal

# The full-tree targets (make unix, test-upstream, test-upstream-board) refuse at once without a
# full MicroPython checkout (what CI has), with a message naming what is missing.
test-full-tree-refusal:
	sh tests/check-full-tree-targets.sh

test-board-scripts: board
	$(PYTHON) tests/run-micropython-tests.py --target board --launcher-arg=--firmware=$(abspath $(LX106_FIRMWARE))

test-board-pyboard: board
	@test "$(MPY_DIR)" != MISSING && test -f "$(MPY_DIR)/tools/pyboard.py" || { echo "test-board-pyboard: no tools/pyboard.py in the MicroPython source ($(MPY_DIR))"; exit 1; }
	$(PYTHON) tests/run-micropython-tests.py --target board --transport pyboard --pyboard $(abspath $(MPY_DIR))/tools/pyboard.py \
		--launcher-arg=--firmware=$(abspath $(LX106_FIRMWARE))

# Checked before the board is built, so a missing tree fails at once.
test-upstream-board-check:
	@$(PYTHON) tests/run-upstream-board.py --micropy-dir "$(MICROPY_DIR)" --check

test-upstream-board: test-upstream-board-check board
	$(PYTHON) tests/run-upstream-board.py --micropy-dir "$(MICROPY_DIR)" --firmware $(abspath $(LX106_FIRMWARE))

include tests/bench/bearssl/bearssl.mk

# Figures on the emulated lx106: prints a table, writes build/bench.json. BearSSL is measured in
# the same run (tests/bench/bearssl/bearssl.mk); if its source or build fails, bench.py still
# writes ussl's figures and then fails, saying so. BENCH_BEARSSL=0 leaves the peer out.
BENCH_BEARSSL ?= 1
.PHONY: bench
bench: board
	sh tests/certs/make-certs.sh $(BUILD)/certs
ifeq ($(BENCH_BEARSSL),1)
	-$(MAKE) --no-print-directory bearssl-bench-elfs
endif
	$(PYTHON) tests/bench/bench.py --firmware $(LX106_FIRMWARE) --map $(LX106_OBJ)/firmware.map --certs $(BUILD)/certs \
		$(if $(filter 1,$(BENCH_BEARSSL)),--bearssl-build $(BEARSSL_BUILD))
