# Every test: Rust engine against real peers, MicroPython scripts on the host port and the emulated board.
.PHONY: test test-board-scripts
test: deps test-rust test-host test-board-smoke test-board-scripts

test-board-scripts: board
	$(PYTHON) tests/run-micropython-tests.py --target board --launcher-arg=--firmware=$(abspath $(LX106_FIRMWARE))

# Figures on the emulated lx106: prints a table, writes build/bench.json.
.PHONY: bench
bench: board
	sh tests/certs/make-certs.sh $(BUILD)/certs
	$(PYTHON) tests/bench/bench.py --firmware $(LX106_FIRMWARE) --map $(LX106_OBJ)/firmware.map --certs $(BUILD)/certs
