# libFuzzer (cargo-fuzz) on the engine's host build; README "Fuzzing".
#   make fuzz [FUZZ_SECONDS=600] [FUZZ_TARGETS="server_flight certs api_calls"]
#                    each target for FUZZ_SECONDS; new inputs go to build/fuzz/corpus/<target>,
#                    crashes to fuzz/artifacts/<target>/; one summary line per target in
#                    build/fuzz/summary.txt (executions, seconds, coverage)
#   make test-fuzz   the same, FUZZ_SMOKE_SECONDS (15) per target (part of make test)
# Every run first records fresh seeds from real openssl s_server handshakes
# (fuzz/capture-seeds.sh), so the recordings match the engine's current ClientHello; the
# committed seeds (fuzz/corpus/) and past crashes (fuzz/regressions/) run too.
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 15
FUZZ_TARGETS ?= server_flight certs api_calls
FUZZ_OUT := $(BUILD)/fuzz

.PHONY: fuzz test-fuzz fuzz-build fuzz-seeds
fuzz-build:
	@command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz@0.13.2
	$(CARGO) fuzz build -O

fuzz-seeds: fuzz-build
	rm -rf $(FUZZ_OUT)/seeds
	sh fuzz/capture-seeds.sh $(FUZZ_OUT)/seeds

fuzz: fuzz-seeds
	for t in $(FUZZ_TARGETS); do CARGO="$(CARGO)" sh fuzz/run.sh $$t $(FUZZ_SECONDS) $(FUZZ_OUT) || exit 1; done

test-fuzz: fuzz-seeds
	for t in $(FUZZ_TARGETS); do CARGO="$(CARGO)" sh fuzz/run.sh $$t $(FUZZ_SMOKE_SECONDS) $(FUZZ_OUT) || exit 1; done
