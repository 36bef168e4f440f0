#!/bin/sh
# Seeds for the fuzz targets from real handshakes:
#   sh fuzz/capture-seeds.sh OUT [CAPTURE_BIN]
# makes test certificates and chains (tests/certs/), records the server side of a real
# `openssl s_server -tls1_3 -www` handshake + GET against the engine's fixed fuzzing entropy
# (P-256 and RSA servers; the capture tool checks that each replays to a connection), then
# writes OUT/{server_flight,certs,api_calls}/ seed inputs (fuzz/make_seeds.py) and
# OUT/flight.bin, the recording the api_calls target replays (fuzz/seeds/flight.bin is the
# committed copy). Re-run it when the ClientHello changes (new suites, groups, extensions):
# old recordings then stop decrypting and only reach the ServerHello.
set -eu
OUT=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CAPTURE=${2:-$ROOT/fuzz/target/x86_64-unknown-linux-gnu/release/capture}
mkdir -p "$OUT"
W=$OUT/work
mkdir -p "$W"
sh "$ROOT/tests/certs/make-certs.sh" "$W/certs" >/dev/null
sh "$ROOT/tests/certs/make-chains.sh" "$W/chains" >/dev/null
now=$(date +%s)

capture() { # capture NAME CERT KEY CA_DER [extra s_server args]
    name=$1 cert=$2 key=$3 ca=$4
    shift 4
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    openssl s_server -tls1_3 -www -accept "127.0.0.1:$port" -cert "$cert" -key "$key" \
        -keylogfile "$W/keylog-$name" "$@" \
        </dev/null >"$W/s_server-$name.log" 2>&1 &
    pid=$!
    i=0
    until python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null; do
        i=$((i+1)); [ $i -lt 100 ] || { kill $pid; echo "s_server did not start"; exit 1; }
        sleep 0.05
    done
    ok=0
    "$CAPTURE" "$port" "$ca" "$now" "$OUT/$name.bin" "$W/keylog-$name" || ok=1
    kill $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    [ $ok = 0 ] || { echo "capture $name failed"; exit 1; }
}
capture flight "$W/certs/server.pem" "$W/certs/server.key" "$W/certs/ca.der"
capture flight-rsa "$W/certs/rsa-server.pem" "$W/certs/rsa-server.key" "$W/certs/rsa-ca.der"
capture flight-chain "$W/chains/p256-leaf.pem" "$W/chains/p256-leaf.key" "$W/chains/p256-root.der" \
    -cert_chain "$W/chains/p256-int.pem"
python3 "$ROOT/fuzz/make_seeds.py" "$OUT" "$W/chains" "$now"
rm -rf "$W"
