#!/usr/bin/env python3
"""Instructions per function from a QEMU `-d in_asm,exec,nochain` log (each translation block's
length from its disassembly, times how often it ran), attributed with the ELF's symbols.
Usage: profile.py qemu.log image.elf [top-n]"""
import bisect
import collections
import re
import subprocess
import sys


def main():
    log, elf = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    syms = []
    for line in subprocess.run(["xtensa-lx106-elf-nm", "-n", "-C", elf], capture_output=True, text=True).stdout.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tTwW":
            syms.append((int(parts[0], 16), parts[2]))
    addrs = [a for a, _ in syms]
    tb_len = {}
    runs = collections.Counter()
    cur_tb, cur_len = None, 0
    trace = re.compile(rb"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")
    insn = re.compile(rb"^0x([0-9a-f]+):\s")
    with open(log, "rb") as f:
        for line in f:
            m = trace.match(line)
            if m:
                runs[int(m.group(1), 16)] += 1
                continue
            m = insn.match(line)
            if m:
                pc = int(m.group(1), 16)
                if cur_tb is None:
                    cur_tb, cur_len = pc, 0
                cur_len += 1
                continue
            if cur_tb is not None:
                tb_len[cur_tb] = cur_len
                cur_tb = None
    per_fn = collections.Counter()
    for pc, n in runs.items():
        i = bisect.bisect_right(addrs, pc) - 1
        name = syms[i][1] if i >= 0 else "?"
        per_fn[name] += n * tb_len.get(pc, 0)
    total = sum(per_fn.values())
    print(f"total {total} instructions")
    for name, n in per_fn.most_common(top):
        print(f"{n:>10} {100 * n / total:5.1f}%  {name[:110]}")


if __name__ == "__main__":
    main()
