#!/usr/bin/env python3
"""Sums, from a GNU ld map file, the linked bytes each crate contributes to .text (code and
literal pools) and to read-only data, and the part of ussl_p256verify that only ECDH uses
(by section name). Usage: sizes.py firmware.map"""
import re
import sys

GROUPS = {
    "ussl_p256verify": ["ussl_p256verify-"],
    "p256 crate and its dependencies": ["p256-", "primeorder-", "elliptic_curve-", "crypto_bigint-", "ecdsa-",
                                        "ff-", "group-", "subtle-", "sec1-", "der-", "signature-", "generic_array-",
                                        "base16ct-", "rfc6979-", "hmac-", "digest-", "sha2-", "typenum-",
                                        "zeroize-", "const_oid-", "block_buffer-", "crypto_common-", "rand_core-"],
}

# Sections of ussl_p256verify used only by ECDH (the field code it shares is not counted).
ECDH_SECTIONS = ["4ecdh", "8ct_point", "G_COMB", "canonical_ct", "invert_ct", "is_zero_mask", "limbs_to_be_bytes"]
ECDH = "ussl_p256verify, ECDH only"


def main():
    totals = {g: {"text": 0, "rodata": 0} for g in list(GROUPS) + [ECDH]}
    out_sec = None
    pending = None  # input section name wrapped onto the next line
    for line in open(sys.argv[1], errors="replace"):
        m = re.match(r"^(\.\S+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+", line)
        if m and not line.startswith(" "):
            out_sec = m.group(1)
            continue
        m = re.match(r"^ (\.\S+)\s*$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
        if not m:
            pending = None
            continue
        name = m.group(1) or pending
        pending = None
        size, obj = int(m.group(3), 16), m.group(4)
        if name is None or size == 0 or out_sec is None:
            continue
        kind = "text" if out_sec == ".text" else "rodata" if out_sec in (".rodata", ".bench_entries") else None
        if kind is None:
            continue
        for g, prefixes in GROUPS.items():
            if any(p in obj for p in prefixes):
                totals[g][kind] += size
        if "ussl_p256verify-" in obj and any(s in name for s in ECDH_SECTIONS):
            totals[ECDH][kind] += size
    for g, t in totals.items():
        print(f"size {g}: .text {t['text']} B, .rodata {t['rodata']} B (linked, lx106)")


if __name__ == "__main__":
    main()
