#!/usr/bin/env python3
"""Static stack depth of the ESP8266 engine from rustc's Xtensa assembly (call0 ABI).

Reads target/esp8266/esp8266/release/deps/*.s: each function's frame (its prologue moves a1
down by a constant: `addi a8, a1, -N` or `movi/l32r a8, -N; add a8, a1, a8`) and its callees
(symbols loaded by `l32r` from its literal pool, which is how call0 code reaches a callee
through `callx0`). Prints the deepest call paths from the C ABI's entry points, and the
largest frames. Indirect calls through function pointers are not followed (the engine
has few: dyn traits are monomorphized), so a figure here is a floor to check the painted
measurement of `make bench` against, not a bound.

usage: stackdepth.py [--deps DIR] [--root SYMBOL]... [--top N]
"""
import argparse
import glob
import os
import re
import sys

FUNC = re.compile(r"^([A-Za-z_.$][\w.$]*):\s*$")
LIT = re.compile(r"^\s*\.literal\s+(\.LCPI\w+),\s*(\S+)")
LIT_INT = re.compile(r"^\s*\.literal\s+(\.LCPI\w+),\s*(-?\d+)\s*$")
L32R = re.compile(r"^\s*l32r\s+(a\d+),\s*(\.LCPI\w+)")
TYPEFN = re.compile(r"^\s*\.type\s+(\S+),@function")


def parse(paths):
    frames, callees = {}, {}
    for path in paths:
        lits, ints, fns = {}, {}, set()
        lines = open(path, errors="replace").read().splitlines()
        for ln in lines:
            m = LIT_INT.match(ln)
            if m:
                ints[m.group(1)] = int(m.group(2))
                continue
            m = LIT.match(ln)
            if m:
                lits[m.group(1)] = m.group(2)
            m = TYPEFN.match(ln)
            if m:
                fns.add(m.group(1))
        cur, n = None, 0
        for ln in lines:
            m = FUNC.match(ln)
            if m and m.group(1) in fns:
                cur, n, a8 = m.group(1), 0, None
                frames[cur] = 0
                callees[cur] = set()
                continue
            if cur is None:
                continue
            n += 1
            s = ln.strip()
            if n <= 4 and frames[cur] == 0:
                # a8 = constant (movi / addmi / l32r), then a1 = a1 + a8; or addi a8, a1, -N.
                m = re.match(r"addi\s+a8,\s*a1,\s*(-\d+)$", s)
                if m:
                    frames[cur] = -int(m.group(1))
                m = re.match(r"movi\s+a8,\s*(-?\d+)$", s)
                if m:
                    a8 = int(m.group(1))
                m = re.match(r"addmi\s+a8,\s*a8,\s*(-?\d+)$", s)
                if m and a8 is not None:
                    a8 += int(m.group(1))
                m = L32R.match(ln)
                if m and m.group(1) == "a8" and m.group(2) in ints:
                    a8 = ints[m.group(2)]
                if re.match(r"add\s+a8,\s*a1,\s*a8$", s) and a8 is not None and a8 < 0:
                    frames[cur] = -a8
            m = L32R.match(ln)
            if m and m.group(2) in lits:
                callees[cur].add(lits[m.group(2)])
    return frames, callees


def deepest(frames, callees, root, memo, stack):
    if root in memo:
        return memo[root]
    if root in stack:
        return (0, [root + " (recursion)"])
    stack.add(root)
    best = (0, [])
    for c in callees.get(root, ()):
        if c in frames:
            d = deepest(frames, callees, c, memo, stack)
            if d[0] > best[0]:
                best = d
    stack.discard(root)
    memo[root] = (frames.get(root, 0) + best[0], [root] + best[1])
    return memo[root]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deps", default="target/esp8266/esp8266/release/deps")
    ap.add_argument("--root", action="append")
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args()
    frames, callees = parse(sorted(glob.glob(os.path.join(a.deps, "*.s"))))
    if not frames:
        sys.exit("stackdepth: no assembly in " + a.deps + " (make engine-lx106 first)")
    roots = a.root or sorted(f for f in frames if f.startswith("ussl_"))
    memo = {}
    for r in roots:
        total, path = deepest(frames, callees, r, memo, set())
        print(f"{total:6d} B  {r}")
        for p in path:
            print(f"          {frames.get(p, 0):5d}  {p[:150]}")
    print("largest frames:")
    for f, s in sorted(frames.items(), key=lambda kv: -kv[1])[: a.top]:
        print(f"  {s:6d}  {f[:150]}")


if __name__ == "__main__":
    main()
