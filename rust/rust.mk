# Rust TLS engine (rust/engine, crate ussl-engine): host library, ESP8266 archive, C header, tests.
#   make engine-host     -> $(ENGINE_HOST_LIB)   (x86-64 static library)
#   make engine-lx106    -> $(ENGINE_LX106_LIB)  (Xtensa LX106 call0 archive, GNU-as assembled)
#   make header          regenerate micropython-port/ussl/ussl_engine.h (cbindgen)
#   make check-header    fail if the committed header differs from a fresh cbindgen run
#   make test-rust       cargo tests (against openssl s_server / python ssl), check-header, archive check
BUILD ?= build
CARGO ?= cargo +nightly
XTENSA_PREFIX ?= xtensa-lx106-elf-

RUST_ENGINE_DIR := rust/engine
# Every Rust source of the workspace (engine, vendored crates, helper crates): a change to any
# of them rebuilds the archive.
RUST_ENGINE_SRC := Cargo.toml $(wildcard Cargo.lock) $(shell find rust -name '*.rs' -o -name Cargo.toml)
ENGINE_HEADER := micropython-port/ussl/ussl_engine.h

ENGINE_HOST_LIB := target/release/libussl_engine.a

ENGINE_LX106_TARGET_DIR := target/esp8266
ENGINE_LX106_SPEC := rust/targets/esp8266.json
ENGINE_LX106_DEPS := $(ENGINE_LX106_TARGET_DIR)/esp8266/release/deps
ENGINE_LX106_LIB := $(BUILD)/esp8266/libussl_engine.a
ENGINE_LX106_OBJDIR := $(BUILD)/esp8266/engine-obj
# panic=immediate-abort (nightly): panics become a trap (-> abort()), no formatting code:
# about -11 KB .text and -14 KB .rodata on the lx106.
# No P-384 on the ESP8266 (flash and engine stack; see rust/engine/Cargo.toml).
# Cipher suites beyond TLS_AES_128_GCM_SHA256 on the emulated board, each a feature with its
# flash cost (README, "Cipher suites"): ENGINE_LX106_SUITES= (empty) leaves both out.
ENGINE_LX106_SUITES ?= aes256gcm-sha384,chacha20poly1305-sha256
comma := ,
# Client certificates (mutual TLS, P-256 keys) on both ESP8266 builds, the emulated board's and
# the chip's: the constant-time signer fits the chip's irom0 budget (README, "The link check").
# The TLS server (feature server) on the emulated board only: the chip's irom0 budget has no
# room for it (README, "Server side").
ENGINE_LX106_FEATURES ?= --no-default-features --features client-cert,server$(if $(ENGINE_LX106_SUITES),$(comma)$(ENGINE_LX106_SUITES))
ENGINE_LX106_RUSTFLAGS ?= -C embed-bitcode=no --emit=asm -Zunstable-options -Cpanic=immediate-abort

.PHONY: engine-host engine-lx106 header check-header test-rust rust-src

engine-host: $(ENGINE_HOST_LIB)
$(ENGINE_HOST_LIB): $(RUST_ENGINE_SRC)
	$(CARGO) build --release -p ussl-engine
	@touch $@

# core is built from source for the JSON target: needs the rust-src component.
rust-src:
	@rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src' || rustup component add rust-src --toolchain nightly

# LLVM's Xtensa object emission misplaces l32r literal pools, so rustc emits assembly
# (no LTO, no bitcode) and GNU as assembles it (literals in .literal.* sections).
# $(call lx106_archive,LIB,TARGET_DIR,OBJDIR,FEATURES_VARIABLE_NAME)
define lx106_archive
$(1): $$(RUST_ENGINE_SRC) $$(ENGINE_LX106_SPEC) rust/rust.mk | rust-src
	rm -rf $(2)/esp8266/release/deps $(3)
	RUSTFLAGS="$$(ENGINE_LX106_RUSTFLAGS)" $$(CARGO) build -p ussl-engine --release $$($(4)) \
	  -Zbuild-std=core -Zbuild-std-features=compiler-builtins-mem -Zjson-target-spec \
	  --target $$(ENGINE_LX106_SPEC) --target-dir $(2)
	mkdir -p $(3) $$(dir $(1))
	@set -e; : > $(3)/as.log; \
	for s in $(2)/esp8266/release/deps/*.s; do \
	  o=$(3)/$$$$(basename $$$$s .s).o; \
	  $$(XTENSA_PREFIX)as --longcalls -o $$$$o $$$$s 2>>$(3)/as.log; \
	done
	@cat $(3)/as.log
	rm -f $$@
	$$(XTENSA_PREFIX)ar crs $$@ $(3)/*.o
endef

engine-lx106: $(ENGINE_LX106_LIB)
$(eval $(call lx106_archive,$(ENGINE_LX106_LIB),$(ENGINE_LX106_TARGET_DIR),$(ENGINE_LX106_OBJDIR),ENGINE_LX106_FEATURES))

# The real chip (make firmware, the ESP8266 link check) gets an archive of its own when its
# suites differ from the emulated board's: the board tests and measures every suite, the chip
# keeps to its 160 KiB irom0 budget (README, "Cipher suites"). ESP8266_SUITES=<features>.
ESP8266_SUITES ?=
ENGINE_CHIP_FEATURES ?= --no-default-features --features client-cert$(if $(ESP8266_SUITES),$(comma)$(ESP8266_SUITES))
ifeq ($(strip $(ESP8266_SUITES)),$(strip $(ENGINE_LX106_SUITES)))
ENGINE_CHIP_LIB := $(ENGINE_LX106_LIB)
ENGINE_CHIP_OBJDIR := $(ENGINE_LX106_OBJDIR)
else
# One archive (and cargo target dir: the archive takes every .s there) per suite set, so that
# changing ESP8266_SUITES rebuilds rather than reusing the other set's archive.
ENGINE_CHIP_TAG := $(if $(strip $(ESP8266_SUITES)),$(subst $(eval) ,+,$(sort $(ESP8266_SUITES))),aes128)
ENGINE_CHIP_LIB := $(BUILD)/esp8266/chip-$(ENGINE_CHIP_TAG)/libussl_engine.a
ENGINE_CHIP_OBJDIR := $(BUILD)/esp8266/chip-$(ENGINE_CHIP_TAG)/engine-obj
$(eval $(call lx106_archive,$(ENGINE_CHIP_LIB),target/esp8266-chip-$(ENGINE_CHIP_TAG),$(ENGINE_CHIP_OBJDIR),ENGINE_CHIP_FEATURES))
endif
.PHONY: engine-chip
engine-chip: $(ENGINE_CHIP_LIB)

CBINDGEN_RUN = cbindgen --quiet --config cbindgen.toml --crate ussl-engine $(RUST_ENGINE_DIR) \
	| sed -E 's/^(\#define USSL_[A-Z0-9_]+) (-[0-9]+)$$/\1 (\2)/'

header:
	$(CBINDGEN_RUN) > $(ENGINE_HEADER)

check-header:
	@tmp=$$(mktemp); $(CBINDGEN_RUN) > $$tmp; \
	if diff -u $(ENGINE_HEADER) $$tmp; then echo "check-header: $(ENGINE_HEADER) is up to date"; rm -f $$tmp; \
	else rm -f $$tmp; echo "check-header: $(ENGINE_HEADER) differs from cbindgen output (run make header)"; exit 1; fi

test-rust: engine-lx106 check-header
	$(CARGO) test -p ussl-engine
	sh tests/check-esp8266-archive.sh $(ENGINE_LX106_LIB) $(ENGINE_LX106_OBJDIR)/as.log

# Miri over the C ABI's unit tests (rust/engine/src/ffi/tests.rs: in-memory buffers, no
# sockets): undefined behaviour in the unsafe code of rust/engine/src/ffi fails the run.
# Isolation off: the host tests' entropy reads /dev/urandom. About 70 s of tests (about 10 s
# per engine key share under Miri) after the Miri sysroot is built once. Part of make test.
.PHONY: test-miri
test-miri:
	@rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^miri' || rustup component add miri --toolchain nightly
	MIRIFLAGS="-Zmiri-disable-isolation" $(CARGO) miri test -p ussl-engine --lib ffi::
