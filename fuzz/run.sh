#!/bin/sh
# Runs one fuzz target for a bounded time (make fuzz / make test-fuzz):
#   sh fuzz/run.sh TARGET SECONDS OUT
# Corpus: OUT/corpus/TARGET (new inputs), the committed seeds, fresh seeds in OUT/seeds and
# past crashes (fuzz/regressions/TARGET). Appends "TARGET: N executions in S s, cov/ft" to
# OUT/summary.txt; on a crash prints the log's end and fails (input in fuzz/artifacts/TARGET/).
set -eu
t=$1 secs=$2 out=$3
case $t in
    server_flight) max=20000 ;;
    certs) max=12000 ;;
    *) max=4096 ;;
esac
mkdir -p "$out/corpus/$t" "$out/seeds/$t" "fuzz/artifacts/$t"
echo "fuzz: $t for $secs s"
if ! USSL_FUZZ_FLIGHT="$(pwd)/$out/seeds/flight.bin" ${CARGO:-cargo +nightly} fuzz run -O "$t" \
    "$out/corpus/$t" "fuzz/corpus/$t" "$out/seeds/$t" "fuzz/regressions/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -max_len=$max \
    >"$out/$t.log" 2>&1; then
    tail -60 "$out/$t.log"
    echo "fuzz: $t FAILED (log: $out/$t.log, input in fuzz/artifacts/$t/)"
    exit 1
fi
awk -v t="$t" '/^stat::number_of_executed_units/ {n=$2} /^Done [0-9]+ runs in/ {s=$5} /DONE/ {c=$3" "$4" "$5" "$6}
    END {printf "%s: %d executions in %d s, %s\n", t, n, s, c}' "$out/$t.log" | tee -a "$out/summary.txt"
