"""Bytes per (owner, output section) from a GNU ld link map, for the bench's size figures.

`owner_of(path)` names the owner of an input file (archive member paths included), e.g.
"engine" for the Rust archive; the totals are keyed by (owner, output section).
"""
import re


def section_totals(map_path, owner_of):
    totals = {}
    out_sec = None
    pending = None  # long input-section name: address/size/file follow on the next line
    started = False
    for line in open(map_path, errors="replace"):
        if line.startswith("Linker script and memory map"):
            started = True
            continue
        if not started:
            continue
        m = re.match(r"^(\.[\w.]+)\s", line)
        if m:
            out_sec = m.group(1)
            continue
        m = re.match(r"^ (\.[^\s]+)\s*$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\.[^\s]+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
        if m and (m.group(1) or pending) and out_sec:
            key = (owner_of(m.group(4)), out_sec)
            totals[key] = totals.get(key, 0) + int(m.group(3), 16)
        pending = None
    return totals
