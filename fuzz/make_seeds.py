"""Writes seed inputs for the fuzz targets (called by fuzz/capture-seeds.sh).

    make_seeds.py OUT CHAINS NOW

OUT holds the recordings flight.bin, flight-rsa.bin, flight-chain.bin (server_flight inputs:
flags, now, CA, then the server's reads); CHAINS is a tests/certs/make-chains.sh directory.
Formats: fuzz/src/lib.rs (Flight), fuzz/fuzz_targets/certs.rs, fuzz/fuzz_targets/api_calls.rs.
"""
import os
import struct
import subprocess
import sys
import tempfile

F_VERIFY, F_NO_TIME, F_SMALL_RX, F_PEER_CERT, F_ENCRYPT = 1, 2, 4, 8, 16
out, chains, now = sys.argv[1], sys.argv[2], int(sys.argv[3])


def section(b):
    return struct.pack(">H", len(b)) + b


def parse_flight(data):
    flags, t = data[0], struct.unpack("<q", data[1:9])[0]
    i, parts = 9, []
    while i < len(data):
        n = struct.unpack(">H", data[i:i + 2])[0]
        parts.append(data[i + 2:i + 2 + n])
        i += 2 + n
    return flags, t, parts[0], parts[1:]


def flight(flags, t, ca, chunks):
    return bytes([flags]) + struct.pack("<q", t) + b"".join(section(c) for c in [ca] + chunks)


def write(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# server_flight: each recording with verification on/off, getpeercert, no time check, and
# delivered as one read or in 5-byte reads.
for rec in ("flight", "flight-rsa", "flight-chain"):
    with open(os.path.join(out, rec + ".bin"), "rb") as f:
        _, t, ca, chunks = parse_flight(f.read())
    for flags in (F_VERIFY, 0, F_VERIFY | F_PEER_CERT, F_VERIFY | F_NO_TIME):
        write("server_flight", "%s-f%d" % (rec, flags), flight(flags, t, ca, chunks))
    whole = b"".join(chunks)
    write("server_flight", rec + "-one-read", flight(F_VERIFY, t, ca, [whole]))
    head = [whole[i:i + 5] for i in range(0, 400, 5)]
    write("server_flight", rec + "-5-byte-reads", flight(F_VERIFY, t, ca, head + [whole[400:]]))

# server_flight, F_ENCRYPT (the harness is the server): the real server's decrypted messages
# (capture -keylogfile), verification off/on/getpeercert; and KeyUpdates (plain, then with
# update_requested) with data after each, right after the Finished.
for rec in ("flight", "flight-rsa", "flight-chain"):
    with open(os.path.join(out, rec + "-enc.bin"), "rb") as f:
        _, t, ca, chunks = parse_flight(f.read())
    for flags in (F_ENCRYPT, F_ENCRYPT | F_VERIFY, F_ENCRYPT | F_PEER_CERT):
        write("server_flight", "%s-enc-f%d" % (rec, flags), flight(flags, t, ca, chunks))
    upd = [b"\x16\x18\x00\x00\x01\x00", b"\x17after update\n", b"\x16\x18\x00\x00\x01\x01",
           b"\x17after requested update\n"]
    fin = chunks.index(b"\xff") + 1
    write("server_flight", rec + "-enc-keyupdate", flight(F_ENCRYPT, t, ca, chunks[:fin] + upd + chunks[fin:]))


def der(name):
    with open(os.path.join(chains, name + ".der"), "rb") as f:
        return f.read()


CV_MSG = b" " * 64 + b"TLS 1.3, server CertificateVerify\0" + b"\x5a" * 32


def sign(key, alg):
    with tempfile.NamedTemporaryFile() as m:
        m.write(CV_MSG)
        m.flush()
        args = ["openssl", "dgst", "-" + ("sha384" if alg == "p384" else "sha256"), "-sign", key]
        if alg.startswith("rsa"):
            args += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]
        return subprocess.run(args + [m.name], check=True, capture_output=True).stdout


def certs_input(flags, host, anchors, scheme, sig, chain):
    return (bytes([flags]) + struct.pack("<q", now) + section(host) + section(anchors)
            + section(struct.pack(">H", scheme) + sig) + b"".join(section(c) for c in chain))


# certs: every algorithm's chain with a valid CertificateVerify; the root as PEM once;
# each defective leaf of make-chains.sh.
schemes = {"p256": 0x0403, "p384": 0x0503, "rsa2048": 0x0804, "rsa4096": 0x0804}
for alg, scheme in schemes.items():
    sig = sign(os.path.join(chains, alg + "-leaf.key"), alg)
    chain = [der(alg + "-leaf"), der(alg + "-int")]
    write("certs", alg, certs_input(0, b"localhost", der(alg + "-root"), scheme, sig, chain))
    write("certs", alg + "-ip", certs_input(1, b"127.0.0.1", der(alg + "-root"), scheme, sig, chain))
with open(os.path.join(chains, "p256-root.pem"), "rb") as f:
    write("certs", "p256-pem-root", certs_input(2, b"localhost", f.read(), 0x0403, b"", [der("p256-leaf"), der("p256-int")]))
for name in sorted(os.listdir(chains)):
    if name.startswith("bad-") and name.endswith(".der"):
        base = name[:-4]
        mid = der("noca-int") if base == "bad-noca" else der("p256-int")
        write("certs", base, certs_input(0, b"localhost", der("p256-root"), 0x0403, b"\x30\x00", [der(base), mid]))

# api_calls: the recorded handshake through the ABI (verification on and off), then data,
# close and use after close; and a configuration of the fuzzer's own.
with open(os.path.join(out, "flight.bin"), "rb") as f:
    n = len(parse_flight(f.read())[3])
FEED, HANDSHAKE, DRAIN, READ, WRITE, CLOSE, FREE = 1, 6, 5, 7, 8, 10, 13
get = bytes([WRITE]) + section(b"GET / HTTP/1.0\r\n\r\n")
hs = bytes([FEED, HANDSHAKE, DRAIN] * n)
read = bytes([READ]) + struct.pack(">H", 700)
write("api_calls", "verified", bytes([0x81]) + hs + get + bytes([DRAIN]) + read * 4 + bytes([CLOSE, DRAIN]) + get + read)
write("api_calls", "unverified", bytes([0x80 | 4]) + hs + get + read * 4 + bytes([3]) + read + bytes([CLOSE]))
write("api_calls", "recreate", bytes([0x81]) + hs[:6] + bytes([FREE]) + hs + read + bytes([FREE, CLOSE]))
write("api_calls", "close-early", bytes([0x81, FEED, CLOSE, HANDSHAKE]) + get + read + hs)
write("api_calls", "own-config", bytes([0x07, 2, 5, 3]) + struct.pack("<q", now) + bytes([0, 8, 6, 5, 4]) + struct.pack(">H", 50) + bytes([14]) + section(b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"))
