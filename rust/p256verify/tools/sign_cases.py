#!/usr/bin/env python3
"""Expected ECDSA P-256 signatures for the lx106 bench's signing entries (bench/src/lib.rs):
affine arithmetic on Python integers and RFC 6979 (HMAC-SHA-256) from hashlib/hmac,
independent of both Rust implementations. Prints the Rust constants."""
import hashlib
import hmac

P = 2**256 - 2**224 + 2**192 + 2**96 - 1
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)


def add(p, q):
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % P == 0:
        return None
    if p == q:
        lam = (3 * p[0] * p[0] - 3) * pow(2 * p[1], -1, P) % P
    else:
        lam = (q[1] - p[1]) * pow(q[0] - p[0], -1, P) % P
    x = (lam * lam - p[0] - q[0]) % P
    return (x, (lam * (p[0] - x) - p[1]) % P)


def mul(k, p):
    acc = None
    for bit in bin(k)[2:]:
        acc = add(acc, acc)
        if bit == "1":
            acc = add(acc, p)
    return acc


def sign(d, k, z):
    r = mul(k, G)[0] % N
    return r, pow(k, -1, N) * (z % N + r * d) % N


def rfc6979(d, z):
    x, h = d.to_bytes(32, "big"), (z % N).to_bytes(32, "big")
    K, V = b"\0" * 32, b"\1" * 32
    for sep in (b"\0", b"\1"):
        K = hmac.new(K, V + sep + x + h, hashlib.sha256).digest()
        V = hmac.new(K, V, hashlib.sha256).digest()
    while True:
        V = hmac.new(K, V, hashlib.sha256).digest()
        k = int.from_bytes(V, "big")
        if 1 <= k < N:
            return k
        K = hmac.new(K, V + b"\0", hashlib.sha256).digest()
        V = hmac.new(K, V, hashlib.sha256).digest()


def h(v):
    return f'hex("{v:064x}")'


Z = int.from_bytes(hashlib.sha256(b"sample").digest(), "big")
RFC_D = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721
nonce_cases = [
    ("one", RFC_D, 1),
    ("n_minus_1", 0x5555555555555555555555555555555555555555555555555555555555555555, N - 1),
    ("ones", N - 1, 2**255 - 1),
    ("top_bit", 1, 2**255),
    ("alternating", 2**255 - 1, int("55" * 32, 16)),
    ("random", 0x3C1F5A97E0D2B4681E9F7C25AB40D3E6F1827C5D9E03AB64C8F17E2D5B9A0C41,
     0x9A0C41E2D5B93C1F5A97E0D2B4681E9F7C25AB40D3E6F1827C5D9E03AB64C8F1),
]
print(f"const SIGN_NONCE_CASES: [([u8; 32], [u8; 32], [u8; 32], [u8; 32]); {len(nonce_cases)}] = [")
for name, d, k in nonce_cases:
    r, s = sign(d, k, Z)
    print(f"    // {name}\n    ({h(d)}, {h(k)}, {h(r)}, {h(s)}),")
print("];")
rfc_keys = [("rfc6979_a25", RFC_D), ("small", 2), ("large", N - 2)]
print(f"const SIGN_RFC6979_CASES: [([u8; 32], [u8; 32], [u8; 32]); {len(rfc_keys)}] = [")
for name, d in rfc_keys:
    r, s = sign(d, rfc6979(d, Z), Z)
    print(f"    // {name}\n    ({h(d)}, {h(r)}, {h(s)}),")
print("];")
