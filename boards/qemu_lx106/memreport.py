#!/usr/bin/env python3
"""Memory report of the emulated ESP8266 firmware against the real chip's budgets."""
import subprocess
import sys

DRAM_BUDGET = 80 * 1024   # data + bss + heap + stack on the real chip (SDK included there)
IROM_BUDGET = 572 * 1024  # irom0 on 1 MiB boards (988 KiB on 2 MiB+)


def symbols(elf):
    out = subprocess.run(["xtensa-lx106-elf-nm", "-S", elf], capture_output=True, text=True, check=True).stdout
    syms, sizes = {}, {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
        elif len(parts) == 4:
            syms[parts[3]] = int(parts[0], 16)
            sizes[parts[3]] = int(parts[1], 16)
    return syms, sizes


def main():
    elf = sys.argv[1]
    s, sizes = symbols(elf)
    heap = sizes.get("heap", 0)
    text = s["_text_end"] - s["_text_start"]
    rodata = s["_irom_rodata_end"] - s["_irom_rodata_start"]
    data = s["_data_end"] - s["_data_start"]
    dram_ro = s.get("_dram_rodata_end", 0) - s.get("_dram_rodata_start", 0)
    bss = s["_bss_end"] - s["_bss_start"]
    stack = s["_stack_top"] - s["_stack_guard"]
    engine_stack = s.get("_engine_stack_top", 0) - s.get("_engine_stack_guard", 0)
    low = s.get("_engine_stack_guard", s["_stack_guard"])
    dram = s["_dram_end"] - low
    flash = text + rodata + data
    print("lx106 memory: irom0 %d B (.text %d + rodata %d + .data image %d) of %d KiB;"
          % (flash, text, rodata, data, IROM_BUDGET // 1024))
    print("              DRAM %d B (stack+guard %d, TLS engine stack+guard %d, .data %d incl. libc rodata %d, .bss %d incl. %d B heap) of %d KiB%s"
          % (dram, stack, engine_stack, data, dram_ro, bss, heap, DRAM_BUDGET // 1024,
             "" if dram <= DRAM_BUDGET else "  ** OVER the real chip's DRAM budget **"))


if __name__ == "__main__":
    main()
