# ussl-p256verify (rust/p256verify): ECDSA P-256 verification for the lx106.
#   make test-p256verify   host tests (against the p256 crate, CAVP/RFC 6979 vectors, edge cases)
#   make bench-p256        one verification on the emulated lx106 with ussl-p256verify and with
#                          the p256 crate, and the constant-time ECDH: instructions (CCOUNT x 25),
#                          stack, linked sizes
#   make test-ecdh-ct      the same image: ECDH k*G and k*Q for scalars of very different shapes
#                          (1, n-1, 2^255-1, 2^255, 0x55..55, random) must take identical
#                          instruction counts (-icount is deterministic); part of `make test`
P256V_DIR      := rust/p256verify
P256V_BENCH    := $(P256V_DIR)/bench
P256V_TARGET   := target/esp8266-p256
P256V_DEPS     := $(P256V_TARGET)/esp8266/release/deps
P256V_OUT      := $(BUILD)/p256bench
P256V_LIB      := $(P256V_OUT)/libp256bench.a
P256V_SRC      := Cargo.toml $(wildcard Cargo.lock) $(P256V_DIR)/Cargo.toml $(P256V_BENCH)/Cargo.toml \
                  $(wildcard $(P256V_DIR)/src/*.rs $(P256V_BENCH)/src/*.rs)
P256V_CC       := $(XTENSA_PREFIX)gcc -Os -mlongcalls -mtext-section-literals -mforce-l32 -ffunction-sections
P256V_QEMU     := qemu-system-xtensa -M sim -cpu lx106 -semihosting -display none -monitor none -serial none \
                  -icount shift=0,sleep=off
P256V_RUSTFLAGS ?= -C embed-bitcode=no --emit=asm -Zunstable-options -Cpanic=immediate-abort

.PHONY: test-p256verify bench-p256 test-ecdh-ct
# Part of `make test`.
test: test-p256verify test-ecdh-ct
test-p256verify:
	@tmp=$$(mktemp -d); (cd $(P256V_DIR) && $(PYTHON) tools/gen.py $$tmp) && \
	  diff -u $(P256V_DIR)/src/fe_mul.rs $$tmp/fe_mul.rs && diff -u $(P256V_DIR)/src/g_table.rs $$tmp/g_table.rs && \
	  diff -u $(P256V_DIR)/src/g_comb.rs $$tmp/g_comb.rs; \
	  rc=$$?; rm -rf $$tmp; test $$rc = 0 || { echo "p256verify: generated sources differ from tools/gen.py"; exit 1; }
	$(CARGO) test -p ussl-p256verify

# Same route as the engine archive (rust/rust.mk): rustc -> asm -> GNU as --longcalls -> ar.
$(P256V_LIB): $(P256V_SRC) $(ENGINE_LX106_SPEC) $(P256V_DIR)/p256verify.mk | rust-src
	rm -rf $(P256V_DEPS) $(P256V_OUT)/obj
	RUSTFLAGS="$(P256V_RUSTFLAGS)" $(CARGO) build -p ussl-p256verify-bench --release \
	  -Zbuild-std=core -Zbuild-std-features=compiler-builtins-mem -Zjson-target-spec \
	  --target $(ENGINE_LX106_SPEC) --target-dir $(P256V_TARGET)
	mkdir -p $(P256V_OUT)/obj
	@set -e; for s in $(P256V_DEPS)/*.s; do \
	  $(XTENSA_PREFIX)as --longcalls -o $(P256V_OUT)/obj/$$(basename $$s .s).o $$s; done
	rm -f $@
	$(XTENSA_PREFIX)ar crs $@ $(P256V_OUT)/obj/*.o

# The entry table is reached through a linker-script symbol, not an undefined reference, so
# the bench crate's object is linked by name (an archive member would not be pulled in).
P256V_ENTRY_OBJ = $(wildcard $(P256V_OUT)/obj/ussl_p256verify_bench-*.o)

# Two images: as the project links today (compiler_builtins' __muldi3), and with a 16x16-piece
# C __muldi3 ahead of it (the p256 crate's best case; ussl-p256verify makes no such call).
$(P256V_OUT)/p256bench.elf $(P256V_OUT)/p256bench-fastmul.elf: $(P256V_LIB) $(P256V_BENCH)/harness.c \
		$(P256V_BENCH)/startup.S $(P256V_BENCH)/bench.ld $(P256V_BENCH)/fast_muldi3.c
	$(P256V_CC) -nostdlib -nostartfiles -T $(P256V_BENCH)/bench.ld -Wl,--gc-sections \
	  -Wl,-Map=$(P256V_OUT)/p256bench.map -o $(P256V_OUT)/p256bench.elf \
	  $(P256V_BENCH)/startup.S $(P256V_BENCH)/harness.c $(P256V_ENTRY_OBJ) $(P256V_LIB) -lgcc
	$(P256V_CC) -nostdlib -nostartfiles -T $(P256V_BENCH)/bench.ld -Wl,--gc-sections \
	  -Wl,-Map=$(P256V_OUT)/p256bench-fastmul.map -o $(P256V_OUT)/p256bench-fastmul.elf \
	  $(P256V_BENCH)/startup.S $(P256V_BENCH)/harness.c $(P256V_BENCH)/fast_muldi3.c $(P256V_ENTRY_OBJ) $(P256V_LIB) -lgcc

bench-p256: $(P256V_OUT)/p256bench.elf
	@echo "== compiler_builtins __muldi3 (as the board links today)"
	timeout 600 $(P256V_QEMU) -kernel $(P256V_OUT)/p256bench.elf
	@echo "== 16x16-piece C __muldi3 ahead of compiler_builtins'"
	timeout 600 $(P256V_QEMU) -kernel $(P256V_OUT)/p256bench-fastmul.elf
	@$(PYTHON) $(P256V_BENCH)/sizes.py $(P256V_OUT)/p256bench.map

# Fails (harness exit code) on a wrong result or on ECDH instruction counts that differ
# between scalars.
test-ecdh-ct: $(P256V_OUT)/p256bench.elf
	timeout 600 $(P256V_QEMU) -kernel $(P256V_OUT)/p256bench.elf
