#!/usr/bin/env python3
"""make bench: figures of the engine on the emulated ESP8266 (QEMU lx106, -icount, deterministic).

Runs one TLS 1.3 handshake + GET against `openssl s_server -tls1_3 -www` (P-256 certificate,
ECDHE P-256, AES-128-GCM) on the board and reads CCOUNT around it (instructions = delta x 25),
the engine's stack peak and the heap one connection takes; then verified handshakes (CERT_REQUIRED:
the test CA's P-256 leaf, and three-level P-256 and RSA-2048 chains from make-chains.sh, root given,
server sends leaf + intermediate) with their engine stack peaks; then attributes the linked
firmware's flash and RAM to the engine archive and the shim from the linker map.
Then an external-PSK handshake (set_psk_key against s_server -nocert -psk: psk_dhe_ke) and a
mutual-TLS one (the server's P-256 leaf verified, the client certificate of make-certs.sh
signed for s_server -Verify 1 -CAfile client-ca.pem), with their engine stack peaks.
Then, per cipher suite (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256,
each forced by the server): the handshake, and bulk instructions per KiB encrypted (64 KiB written
in 4 KiB writes to an s_server that only reads) and decrypted (a 64 KiB file from s_server -WWW).
Prints a table and writes one flat JSON object to build/bench.json.

In the same run, BearSSL (Debian's source, built by `make bearssl-bench-elfs`) is measured on the
same emulator as a peer (tests/bench/bearssl_peer.py): its figures land as bearssl_* keys and a
second table sets ussl's figures beside BearSSL's. --bearssl-build DIR names that build;
without it the peer is not measured.

  tests/bench/bench.py --firmware build/lx106/firmware.elf --map MAP --certs build/certs [--bearssl-build build/bearssl]
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

import bearssl_peer
import linkmap

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BOARD_SCRIPT = r'''
import gc, socket, ussl, lx106
s = socket.socket()
s.connect(socket.getaddrinfo("127.0.0.1", PORT)[0][-1])
gc.collect()
free0 = gc.mem_free()
lx106.stack_reset()
lx106.engine_stack_reset()
c0 = lx106.ccount()
ss = ussl.wrap_socket(s, server_hostname="localhost")
c1 = lx106.ccount()
gc.collect()
conn = free0 - gc.mem_free()
ss.write(b"GET / HTTP/1.0\r\n\r\n")
page = ss.read()
c2 = lx106.ccount()
ss.close()
assert page.startswith(b"HTTP/1.0 200"), page[:40]
print("BENCH handshake_p256_unverified_instructions", (c1 - c0) * 25)
print("BENCH handshake_and_get_p256_unverified_instructions", (c2 - c0) * 25)
print("BENCH page_bytes", len(page))
print("BENCH engine_stack_peak_bytes", lx106.engine_stack_peak())
print("BENCH interpreter_stack_peak_bytes", lx106.stack_peak())
print("BENCH heap_per_connection_bytes", conn)
# The same handshake with the chain verified (CERT_REQUIRED against the test CA).
lx106.set_time(NOW)
s = socket.socket()
s.connect(socket.getaddrinfo("127.0.0.1", PORT)[0][-1])
gc.collect()
lx106.engine_stack_reset()
c0 = lx106.ccount()
try:
    ss = ussl.wrap_socket(s, server_hostname="localhost", cadata=CA, cert_reqs=ussl.CERT_REQUIRED)
    c1 = lx106.ccount()
    ss.close()
    print("BENCH handshake_ecdsa_p256_verified_instructions", (c1 - c0) * 25)
    print("BENCH engine_stack_peak_verified_bytes", lx106.engine_stack_peak())
except OSError as e:
    # A board whose engine stack cannot hold the verifier refuses it (EOPNOTSUPP).
    s.close()
    print("verified handshake refused:", e.args[0])
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc):
    for _ in range(100):
        if proc.poll() is not None:
            raise SystemExit("openssl s_server exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("openssl s_server did not start")


def run_with_server(firmware, certs, board_script, extra_args=(), capture=True):
    """Runs board_script on the emulated board (preamble: PORT, CA) while an
    `openssl s_server -tls1_3 -www` with the test certificates listens on 127.0.0.1:PORT."""
    port = free_port()
    srv = subprocess.Popen(["openssl", "s_server", "-tls1_3", "-www", "-quiet", "-accept", "127.0.0.1:%d" % port,
                            "-cert", os.path.join(certs, "server.pem"), "-key", os.path.join(certs, "server.key")],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, srv)
        with open(os.path.join(certs, "ca.der"), "rb") as f:
            ca = f.read()
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write("PORT = %d\nCA = %r\nNOW = %d\n" % (port, ca, int(time.time())) + board_script)
        try:
            return subprocess.run([sys.executable, os.path.join(REPO, "boards", "qemu_lx106", "run.py"),
                                   "--firmware", firmware, "--script", f.name, *extra_args],
                                  capture_output=capture, text=True, timeout=900)
        finally:
            os.unlink(f.name)
    finally:
        srv.kill()
        srv.wait()


CHAIN_SCRIPT = r'''
import gc, socket, ussl, lx106
lx106.set_time(NOW)
s = socket.socket()
s.connect(socket.getaddrinfo("127.0.0.1", PORT)[0][-1])
gc.collect()
lx106.engine_stack_reset()
c0 = lx106.ccount()
ss = ussl.wrap_socket(s, server_hostname="localhost", cadata=CA, cert_reqs=ussl.CERT_REQUIRED)
c1 = lx106.ccount()
ss.close()
print("BENCH handshake_%s_chain3_verified_instructions" % ALG, (c1 - c0) * 25)
print("BENCH engine_stack_peak_%s_chain3_verified_bytes" % ALG, lx106.engine_stack_peak())
'''


def run_chain(firmware, chains, alg):
    """Verified handshake against s_server sending leaf + intermediate of tests/certs/make-chains.sh
    (root given as cadata)."""
    port = free_port()
    srv = subprocess.Popen(["openssl", "s_server", "-tls1_3", "-www", "-quiet", "-accept", "127.0.0.1:%d" % port,
                            "-cert", os.path.join(chains, alg + "-leaf.pem"), "-key", os.path.join(chains, alg + "-leaf.key"),
                            "-cert_chain", os.path.join(chains, alg + "-int.pem")],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, srv)
        with open(os.path.join(chains, alg + "-root.der"), "rb") as f:
            ca = f.read()
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write("PORT = %d\nCA = %r\nNOW = %d\nALG = %r\n" % (port, ca, int(time.time()), alg) + CHAIN_SCRIPT)
        try:
            out = subprocess.run([sys.executable, os.path.join(REPO, "boards", "qemu_lx106", "run.py"),
                                  "--firmware", firmware, "--script", f.name], capture_output=True, text=True, timeout=900)
        finally:
            os.unlink(f.name)
    finally:
        srv.kill()
        srv.wait()
    if out.returncode != 0:
        raise SystemExit("verified %s handshake failed on the board:\n%s%s" % (alg, out.stdout, out.stderr))
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"BENCH (\w+) (\d+)", out.stdout)}


BULK_SCRIPT = r'''
import gc, socket, ussl, lx106
def connect(port):
    ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ussl.CERT_NONE
    s = socket.socket()
    s.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
    gc.collect()
    c0 = lx106.ccount()
    ss = ctx.wrap_socket(s, server_hostname="localhost")
    c1 = lx106.ccount()
    assert ss.cipher()[0] == SUITE, ss.cipher()
    return ss, (c1 - c0) * 25
# Encrypt: KIB KiB to a server that only reads, in 4 KiB writes (records of the 2 KiB tx buffer).
ss, hs = connect(SINK_PORT)
print("BENCH handshake_%s_unverified_instructions" % KEY, hs)
chunk = bytes(4096)
ss.write(chunk)
c0 = lx106.ccount()
for i in range(KIB // 4):
    ss.write(chunk)
c1 = lx106.ccount()
ss.close()
print("BENCH bulk_%s_encrypt_instructions_per_kib" % KEY, (c1 - c0) * 25 // KIB)
# Decrypt: a KIB KiB file from s_server -WWW (4 KiB records: max_fragment_length).
ss, hs = connect(WWW_PORT)
ss.write(b"GET /blob HTTP/1.0\r\n\r\n")
buf = bytearray(2048)
head = ss.readinto(buf)
total = 0
c0 = lx106.ccount()
while True:
    n = ss.readinto(buf)
    if not n:
        break
    total += n
c1 = lx106.ccount()
ss.close()
assert total >= KIB * 1024 - 2048, total
print("BENCH bulk_%s_decrypt_instructions_per_kib" % KEY, (c1 - c0) * 25 * 1024 // total)
'''

# Suites measured in bulk: (IANA name, key part of the figures).
BULK_SUITES = (("TLS_AES_128_GCM_SHA256", "aes128gcm"), ("TLS_AES_256_GCM_SHA384", "aes256gcm"),
               ("TLS_CHACHA20_POLY1305_SHA256", "chacha20poly1305"))
BULK_KIB = 64


def run_bulk(firmware, certs, suite, key):
    """Per-suite handshake and bulk figures: KiB sent to an s_server that only reads, and a file
    read from s_server -WWW, both limited to `suite` (-ciphersuites)."""
    certs = os.path.abspath(certs)  # s_server runs in the file's directory
    www_dir = tempfile.mkdtemp()
    with open(os.path.join(www_dir, "blob"), "wb") as f:
        f.write(os.urandom(BULK_KIB * 1024))
    ports = []
    srvs = []
    try:
        for mode in ([], ["-WWW"]):
            for attempt in range(5):  # a free port can be taken by another process meanwhile
                port = free_port()
                # stdin stays open: s_server in plain mode would end the session at its EOF.
                srv = subprocess.Popen(
                    ["openssl", "s_server", "-tls1_3", "-quiet", "-ciphersuites", suite, "-accept", "127.0.0.1:%d" % port,
                     "-cert", os.path.join(certs, "server.pem"), "-key", os.path.join(certs, "server.key")] + mode,
                    cwd=www_dir, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                srvs.append(srv)
                try:
                    wait_listening(port, srv)
                    break
                except SystemExit:
                    if attempt == 4:
                        raise
            ports.append(port)
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write("SINK_PORT = %d\nWWW_PORT = %d\nSUITE = %r\nKEY = %r\nKIB = %d\n"
                    % (ports[0], ports[1], suite, key, BULK_KIB) + BULK_SCRIPT)
        try:
            out = subprocess.run([sys.executable, os.path.join(REPO, "boards", "qemu_lx106", "run.py"),
                                  "--firmware", firmware, "--script", f.name], capture_output=True, text=True, timeout=900)
        finally:
            os.unlink(f.name)
    finally:
        for srv in srvs:
            srv.kill()
            srv.wait()
        subprocess.run(["rm", "-rf", www_dir])
    if out.returncode != 0:
        raise SystemExit("bulk %s run failed on the board:\n%s%s" % (suite, out.stdout, out.stderr))
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"BENCH (\w+) (\d+)", out.stdout)}


MEMORY_SCRIPT = r'''
import gc, socket, ussl, lx106
lx106.set_time(NOW)
def connect(fragment):
    ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=CA)
    ctx.max_fragment_length = fragment
    s = socket.socket()
    s.connect(socket.getaddrinfo("127.0.0.1", PORT)[0][-1])
    s.setblocking(False)
    gc.collect()
    free0 = gc.mem_free()
    ss = ctx.wrap_socket(s, server_hostname="localhost", do_handshake_on_connect=False)
    ctx = None
    # Every allocation is the shim's, between engine calls: sampling after wrap_socket and
    # after each handshake step (garbage collected first) finds the peak.
    gc.collect()
    low = gc.mem_free()
    while not ss.do_handshake():
        gc.collect()
        low = min(low, gc.mem_free())
    gc.collect()
    held = gc.mem_free()
    low = min(low, held)
    ss.setblocking(True)
    ss.write(b"GET / HTTP/1.0\r\n\r\n")
    status = ss.readline()
    buf = bytearray(256)
    while ss.readinto(buf):
        pass
    ss.close()
    assert status.startswith(b"HTTP/1.0 200"), status
    name = "full_records" if fragment == 16384 else "mfl%d" % fragment
    print("BENCH heap_per_connection_%s_peak_bytes" % name, free0 - low)
    print("BENCH heap_per_connection_%s_after_handshake_bytes" % name, free0 - held)
for fragment in (512, 1024, 2048, 4096, 16384):
    connect(fragment)
'''


AUTH_SCRIPT = r'''
import gc, socket, ussl, lx106
lx106.set_time(NOW)


def measure(key, ctx, port):
    s = socket.socket()
    s.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
    gc.collect()
    lx106.engine_stack_reset()
    c0 = lx106.ccount()
    ss = ctx.wrap_socket(s, server_hostname="localhost")
    c1 = lx106.ccount()
    # The same suite as the other handshake rows, so that only the authentication differs.
    assert ss.cipher()[0] == "TLS_AES_128_GCM_SHA256", ss.cipher()
    ss.write(b"GET / HTTP/1.0\r\n\r\n")
    # A server that refused our certificate answers the GET with its alert (TLS 1.3).
    page = ss.read()
    ss.close()
    assert page.startswith(b"HTTP/1.0 200"), page[:40]
    print("BENCH handshake_%s_instructions" % key, (c1 - c0) * 25)
    print("BENCH engine_stack_peak_%s_bytes" % key, lx106.engine_stack_peak())


# External PSK (psk_dhe_ke: ECDHE P-256 still runs; no certificate to check).
ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
ctx.set_psk_identity(PSK_ID)
ctx.set_psk_key(PSK_KEY)
measure("psk_p256_ecdhe", ctx, PSK_PORT)
# Mutual TLS: the server's P-256 leaf verified and our P-256 CertificateVerify signed.
ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(cadata=CA)
ctx.load_cert_chain(CLIENT_CERT, CLIENT_KEY)
measure("mutual_ecdsa_p256_verified", ctx, MTLS_PORT)
'''

PSK_ID = b"bench-psk"
PSK_KEY = bytes(range(32))


def run_auth(firmware, certs):
    """External-PSK handshake, and a mutual-TLS handshake (client P-256 certificate), each
    against its own openssl s_server; board builds without the PSK or client-certificate API
    report nothing here (main() then names the missing key)."""
    servers = []
    psk_port, mtls_port = free_port(), free_port()
    common = ["openssl", "s_server", "-tls1_3", "-www", "-quiet"]
    servers.append((psk_port, subprocess.Popen(
        common + ["-accept", "127.0.0.1:%d" % psk_port, "-nocert", "-psk", PSK_KEY.hex(),
                  "-psk_identity", PSK_ID.decode()],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
    servers.append((mtls_port, subprocess.Popen(
        common + ["-accept", "127.0.0.1:%d" % mtls_port, "-cert", os.path.join(certs, "server.pem"),
                  "-key", os.path.join(certs, "server.key"), "-Verify", "1", "-verify_return_error",
                  "-CAfile", os.path.join(certs, "client-ca.pem")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
    try:
        for port, proc in servers:
            wait_listening(port, proc)
        with open(os.path.join(certs, "client.der"), "rb") as f:
            client_cert = f.read()
        with open(os.path.join(certs, "client.key.der"), "rb") as f:
            client_key = f.read()
        preamble = "PSK_PORT = %d\nMTLS_PORT = %d\nPSK_ID = %r\nPSK_KEY = %r\nCLIENT_CERT = %r\nCLIENT_KEY = %r\n" % (
            psk_port, mtls_port, PSK_ID, PSK_KEY, client_cert, client_key)
        out = run_with_server(firmware, certs, preamble + AUTH_SCRIPT)
    finally:
        for _, proc in servers:
            proc.kill()
            proc.wait()
    if out.returncode != 0:
        raise SystemExit("PSK / mutual-TLS bench failed on the board:\n" + out.stdout + out.stderr)
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"BENCH (\w+) (\d+)", out.stdout)}


def run_memory(firmware, certs):
    """Heap one verified connection takes, at each max_fragment_length and with full records:
    its peak during the handshake and what it holds afterwards."""
    out = run_with_server(firmware, certs, MEMORY_SCRIPT)
    if out.returncode != 0:
        raise SystemExit("memory bench failed on the board:\n" + out.stdout + out.stderr)
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"BENCH (\w+) (\d+)", out.stdout)}


def run_on_board(firmware, certs):
    out = run_with_server(firmware, certs, BOARD_SCRIPT)
    if out.returncode != 0:
        raise SystemExit("bench script failed on the board:\n" + out.stdout + out.stderr)
    figures = {}
    for line in out.stdout.splitlines():
        m = re.match(r"BENCH (\w+) (\d+)$", line.strip())
        if m:
            figures[m.group(1)] = int(m.group(2))
    return figures


FLASH_SECTIONS = (".text", ".irom0.rodata")
RAM_SECTIONS = (".data", ".bss")


def attribute_map(map_path):
    """Bytes per (owner, output section) from GNU ld's map: owner is engine (the Rust archive),
    shim (modussl.o) or other."""
    return linkmap.section_totals(
        map_path,
        lambda path: "engine" if "libussl_engine.a" in path else "shim" if path.endswith("modussl.o") else "other")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmware", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--certs", required=True)
    ap.add_argument("--json", default=os.path.join(REPO, "build", "bench.json"))
    ap.add_argument("--bearssl-build", help="BearSSL peer build (make bearssl-bench-elfs); measured when given")
    args = ap.parse_args()

    fig = run_on_board(args.firmware, args.certs)
    fig.update(run_memory(args.firmware, args.certs))
    fig.update(run_auth(args.firmware, args.certs))
    chains = os.path.join(os.path.dirname(args.certs), "chains")
    subprocess.run(["sh", os.path.join(REPO, "tests", "certs", "make-chains.sh"), chains], check=True)
    for alg in ("p256", "rsa2048"):
        fig.update(run_chain(args.firmware, chains, alg))
    for suite, key in BULK_SUITES:
        fig.update(run_bulk(args.firmware, args.certs, suite, key))
        for mhz in (80, 160):
            for d in ("encrypt", "decrypt"):
                k = "bulk_%s_%s_instructions_per_kib" % (key, d)
                if k not in fig:
                    raise SystemExit("board did not report %s" % k)
                fig["bulk_%s_%s_ms_per_kib_at_%dmhz_lower_bound" % (key, d, mhz)] = round(fig[k] / (mhz * 1000.0), 2)
    need = ("handshake_p256_unverified_instructions", "handshake_and_get_p256_unverified_instructions",
            "handshake_ecdsa_p256_verified_instructions", "handshake_p256_chain3_verified_instructions",
            "handshake_rsa2048_chain3_verified_instructions", "handshake_psk_p256_ecdhe_instructions",
            "handshake_mutual_ecdsa_p256_verified_instructions")
    for key in need:
        if key not in fig:
            raise SystemExit("board did not report %s" % key)
    for key in need:
        for mhz in (80, 160):
            fig[key.replace("_instructions", "_ms_at_%dmhz_lower_bound" % mhz)] = round(fig[key] / (mhz * 1000.0), 1)

    t = attribute_map(args.map)
    for owner in ("engine", "shim"):
        fig["%s_flash_text_bytes" % owner] = t.get((owner, ".text"), 0)
        fig["%s_flash_rodata_bytes" % owner] = t.get((owner, ".irom0.rodata"), 0)
        fig["%s_ram_data_bytes" % owner] = t.get((owner, ".data"), 0)
        fig["%s_ram_bss_bytes" % owner] = t.get((owner, ".bss"), 0)

    bearssl_error = None
    if args.bearssl_build:
        try:
            fig.update(bearssl_peer.measure(args.bearssl_build, args.certs))
        except (bearssl_peer.BearSSLError, OSError, subprocess.SubprocessError) as e:
            bearssl_error = str(e)
    if "bearssl_client_context_bytes" in fig:
        fig["bearssl_stack_peak_bytes"] = max(v for k, v in fig.items()
                                              if k.startswith("bearssl_stack_peak_") and k.endswith("_bytes"))
    rows = compare(fig) if args.bearssl_build and not bearssl_error else []
    for key in ("bearssl_handshake_ecdsa_p256_verified_instructions", "bearssl_handshake_ecdsa_p256_no_checks_instructions"):
        if key in fig:
            for mhz in (80, 160):
                fig[key.replace("_instructions", "_ms_at_%dmhz_lower_bound" % mhz)] = round(fig[key] / (mhz * 1000.0), 1)

    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(fig, f, indent=1, sort_keys=True)

    print("ussl on the emulated ESP8266 (qemu-system-xtensa -M sim -cpu lx106, -icount shift=0)")
    print("%-66s %14s" % ("figure", "value"))
    for key in sorted(fig):
        print("%-66s %14s" % (key, "{:,}".format(fig[key]) if isinstance(fig[key], int) else fig[key]))
    if rows:
        print_comparison(rows)
    print("written to", os.path.relpath(args.json, REPO))
    if fig["engine_flash_text_bytes"] == 0:
        raise SystemExit("no engine code found in the linker map: attribution failed")
    if bearssl_error:
        raise SystemExit("bench: the BearSSL peer was not measured: %s" % bearssl_error)
    return 0


# What ussl's side of a comparison row is, from the keys of this run (a verified figure of ours
# is used when the board reports one).
OURS_VERIFIED_KEYS = ("handshake_ecdsa_p256_verified_instructions", "handshake_p256_verified_instructions")


def compare(fig):
    """Rows (label, ours, BearSSL's, ratio key) of comparable figures; ratio = ours / BearSSL's,
    also written to fig under the ratio key."""
    rows = []
    hs = fig.get("handshake_p256_unverified_instructions")
    hg = fig.get("handshake_and_get_p256_unverified_instructions")
    ours_verified = next((fig[k] for k in OURS_VERIFIED_KEYS if k in fig), None)
    if ours_verified is not None:
        rows.append(("handshake instr., P-256 chain verified | verified (full profile)",
                     ours_verified, fig["bearssl_handshake_ecdsa_p256_verified_instructions"],
                     "ratio_handshake_verified_ussl_over_bearssl"))
    rows += [
        ("handshake instr., nothing checked | nothing checked (like with like; full profile)",
         hs, fig["bearssl_handshake_ecdsa_p256_no_checks_instructions"], "ratio_handshake_no_checks_ussl_over_bearssl"),
        ("  same, BearSSL minimal profile", hs, fig["bearssl_min_handshake_ecdsa_p256_no_checks_instructions"],
         "ratio_handshake_no_checks_ussl_over_bearssl_min"),
        ("handshake + GET instr., nothing checked | nothing checked (full profile)",
         hg, fig["bearssl_handshake_and_get_ecdsa_p256_no_checks_instructions"],
         "ratio_handshake_and_get_no_checks_ussl_over_bearssl"),
        ("handshake instr., nothing checked | chain unchecked, ServerKeyExchange sig. checked",
         hs, fig["bearssl_handshake_ecdsa_p256_unverified_instructions"], None),
    ]
    if ours_verified is None:
        rows.append(("handshake instr., nothing checked | chain verified (what each gives today)",
                     hs, fig["bearssl_handshake_ecdsa_p256_verified_instructions"],
                     "ratio_handshake_ussl_unverified_over_bearssl_verified"))
    rows.append(("handshake instr., RSA-2048 chain verified, ECDHE-RSA (ussl: no RSA)",
                 None, fig["bearssl_handshake_rsa2048_verified_instructions"], None))
    ours_flash = sum(fig[k] for k in ("engine_flash_text_bytes", "engine_flash_rodata_bytes", "engine_ram_data_bytes",
                                      "shim_flash_text_bytes", "shim_flash_rodata_bytes"))
    rows += [
        ("flash B: engine+shim | libbearssl, full profile (code + read-only data)",
         ours_flash, fig["bearssl_flash_bytes"], "ratio_flash_ussl_over_bearssl"),
        ("  same, BearSSL minimal profile (TLS 1.2, 2 suites, P-256, SHA-256)",
         ours_flash, fig["bearssl_min_flash_bytes"], "ratio_flash_ussl_over_bearssl_min"),
        ("static DRAM B: engine .data+.bss | libbearssl .data+.bss, full profile",
         fig["engine_ram_data_bytes"] + fig["engine_ram_bss_bytes"],
         fig["bearssl_ram_data_bytes"] + fig["bearssl_ram_bss_bytes"], None),
        ("RAM per connection B: heap (mfl 4096) | contexts + I/O buffers (mfl 4096)",
         fig.get("heap_per_connection_bytes"), fig["bearssl_connection_ram_bytes"],
         "ratio_connection_ram_ussl_over_bearssl"),
        ("stack peak B, handshake + GET, nothing checked: engine stack | C stack, whole client",
         fig.get("engine_stack_peak_bytes"), fig["bearssl_stack_peak_ecdsa_p256_no_checks_bytes"],
         "ratio_stack_peak_ussl_over_bearssl"),
        ("  BearSSL's deepest case (all cases; chain verified)", None, fig["bearssl_stack_peak_bytes"], None),
    ]
    for _, ours, theirs, key in rows:
        if key and ours is not None and theirs:
            fig[key] = round(ours / theirs, 3)
    return rows


def print_comparison(rows):
    print()
    print("ussl | BearSSL 0.6 (Debian source; gcc -Os -mlongcalls -mtext-section-literals, BR_LOMUL), same emulator and openssl:")
    print("  ussl: TLS 1.3 (s_server -tls1_3), ECDHE P-256, TLS_AES_128_GCM_SHA256, P-256 certificate; verification")
    print("        OFF unless a verified row is shown: no chain check and no CertificateVerify signature check")
    print("  BearSSL: TLS 1.2 (s_server -tls1_2 -groups P-256), ECDHE-ECDSA-AES128-GCM-SHA256, the same P-256 chain;")
    print("        'nothing checked' = no chain check and ServerKeyExchange signature not checked (like ussl's OFF)")
    print("%-100s | %12s | %12s | %6s" % ("figure", "ussl", "BearSSL", "ratio"))
    for label, ours, theirs, _ in rows:
        ratio = "%.2f" % (ours / theirs) if ours is not None and theirs else "-"
        print("%-100s | %12s | %12s | %6s" % (label, "{:,}".format(ours) if ours is not None else "n/a",
                                              "{:,}".format(theirs), ratio))


if __name__ == "__main__":
    sys.exit(main())
