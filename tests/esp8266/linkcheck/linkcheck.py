#!/usr/bin/env python3
"""ussl's placement and size on the real ESP8266, checked without the SDK.

Links the shim and the board glue (compiled by boards/esp8266.mk with the port's flags) and
the Rust archive against the real memory map (boards/ESP8266_USSL/memory_<variant>.ld), the
board's irom0 fragment and a stand-in for the port's esp8266_common.ld. Symbols that
MicroPython, the port or the SDK provide are generated as stubs (after a first link that
lists them), kept outside the measured regions; any other unresolved symbol fails the check.
Prints ussl's cost in irom0, IRAM and DRAM and fails when an enforced budget is exceeded.
"""
import argparse
import json
import os
import re
import subprocess
import sys

# Provided on the chip by MicroPython (py/, shared/), the esp8266 port or the NONOS SDK.
PORT_PREFIXES = ("mp_", "m_", "nlr_", "gc_", "qstr_", "vstr_", "MP_", "mpz_")
PORT_NAMES = {
    "_xtos_set_exception_handler", "system_restart",  # SDK
    "pyb_rtc_get_us_since_epoch",  # the port's RTC (machine_rtc.c)
    # shared/libc/string0.c (the port's libc)
    "memcpy", "memmove", "memset", "memcmp", "memchr", "strlen", "strcmp", "strncmp", "strcpy", "strncpy",
    "strcat", "strchr", "strstr", "strspn", "strcspn",
}
STUB_REGION = "    linkcheck_stub_seg : org = 0x60000000, len = 0x100000\n"
ROOTS = ["mp_module_ussl", "ussl_esp8266_init", "ussl_esp8266_engine_call", "ussl_platform_unix_time"]


def run(cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        sys.exit("linkcheck: command failed: " + " ".join(cmd))
    return r


def compose_script(memory_ld, fragment_ld, shape_ld, out):
    mem = open(memory_ld).read()
    # One more region for the stubs, inside the variant's MEMORY block.
    i = mem.rindex("}")
    mem = mem[:i] + STUB_REGION + mem[i:]
    with open(out, "w") as f:
        f.write(mem + "\n" + open(fragment_ld).read() + "\n" + open(shape_ld).read())


def link(args, script, extra, elf, mapfile, tolerate_undefined):
    cmd = [args.prefix + "ld", "-nostdlib", "--no-warn-execstack", "--no-warn-rwx-segments", "-T", script, "--gc-sections", "-Map", mapfile, "-o", elf]
    cmd += ["-u" + r for r in ROOTS + (["linkcheck_port_irom"] if extra else [])]
    if tolerate_undefined:
        cmd += ["--unresolved-symbols=ignore-all", "--warn-unresolved-symbols"]
    cmd += args.objs + extra + [args.engine]
    return run(cmd)


def undefined_symbols(args, script, out):
    """Symbols left undefined by ussl's objects and archive (what the port/SDK provide)."""
    r = link(args, script, [], os.path.join(out, "pass1.elf"), os.path.join(out, "pass1.map"), True)
    names = set(re.findall(r"undefined reference to `([^']+)'", r.stdout + r.stderr))
    nm = run([args.prefix + "nm", "-u", os.path.join(out, "pass1.elf")], check=False).stdout
    names |= {line.split()[-1] for line in nm.splitlines() if line.strip()}
    return sorted(names | PORT_NAMES)


# The port's own .irom0.text, reduced to one word: the esptool check needs it to show that
# the image gets ONE irom0 segment (.irom0.ussl merged with the port's section after it).
PORT_IROM_STUB = 4


def write_stubs(names, out):
    path = os.path.join(out, "stubs.S")
    with open(path, "w") as f:
        f.write('    .section .irom0.text, "ax"\n    .global linkcheck_port_irom\nlinkcheck_port_irom:\n    .word 0\n')
        for n in names:
            f.write('    .section .stub.%s, "ax"\n    .global %s\n    .align 4\n%s:\n    .word 0\n' % (n, n, n))
    obj = os.path.join(out, "stubs.o")
    return path, obj


def section_sizes(args, elf):
    out = run([args.prefix + "objdump", "-h", elf]).stdout
    sizes = {}
    for m in re.finditer(r"^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)", out, re.M):
        sizes[m.group(1)] = sizes.get(m.group(1), 0) + int(m.group(2), 16)
    return sizes


def symbols(args, elf):
    out = run([args.prefix + "nm", elf]).stdout
    return {p[2]: int(p[0], 16) for p in (l.split() for l in out.splitlines()) if len(p) == 3}


def owner(path):
    m = re.search(r"libussl_engine\.a\(([A-Za-z0-9_]+?)-[0-9a-f]+\.o\)", path)
    if m:
        return m.group(1)
    return os.path.basename(path)


def map_contributions(mapfile, out_sections):
    """{output section: {owner: bytes}} from the linker map's input-section lines."""
    result = {s: {} for s in out_sections}
    current = None
    pending = None
    for line in open(mapfile):
        line = line.rstrip("\n")
        m = re.match(r"^(\.\S+)", line)
        if m:
            current = m.group(1) if m.group(1) in result else None
            pending = None
            continue
        if current is None:
            continue
        m = re.match(r"^ (\.\S+|COMMON)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S.*)$", line)
        if not m and pending:
            m2 = re.match(r"^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S.*)$", line)
            if m2:
                m = (pending, m2.group(1), m2.group(2), m2.group(3))
        elif m:
            m = m.groups()
        if m:
            size = int(m[2], 16)
            if size:
                o = owner(m[3])
                result[current][o] = result[current].get(o, 0) + size
            pending = None
            continue
        m = re.match(r"^ (\.\S+|COMMON)$", line)
        pending = m.group(1) if m else None
    return result


def esptool_check(args, elf, irom_bytes):
    """esptool elf2image (what the port runs) must make one irom0 segment of all of it."""
    img_elf = os.path.join(args.out, "image_%s.elf" % args.variant)
    run([args.prefix + "objcopy", "--remove-section", ".linkcheck_stubs", elf, img_elf])
    prefix = os.path.join(args.out, "image_%s-" % args.variant)
    for f in os.listdir(args.out):
        if f.startswith(os.path.basename(prefix)) and f.endswith(".bin"):
            os.remove(os.path.join(args.out, f))
    r = run([args.esptool, "--chip", "esp8266", "elf2image", "--version", "1", "-o", prefix, img_elf])
    irom_files = [f for f in os.listdir(args.out) if f.startswith(os.path.basename(prefix)) and f.endswith(".bin")
                  and not f.endswith("0x00000.bin")]
    if irom_files != [os.path.basename(prefix) + "0x09000.bin"]:
        sys.exit("linkcheck: esptool made irom0 files %s, expected one at 0x09000:\n%s" % (irom_files, r.stdout))
    size = os.path.getsize(os.path.join(args.out, irom_files[0]))
    if size < irom_bytes:
        sys.exit("linkcheck: esptool's irom0 image is %d B, less than the %d B linked" % (size, irom_bytes))
    print("  esptool elf2image: one irom0 image at flash 0x09000, %d B (.irom0.ussl merged with the port's .irom0.text)" % size)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", default="xtensa-lx106-elf-")
    ap.add_argument("--board-dir", required=True)
    ap.add_argument("--shape", required=True)
    ap.add_argument("--variant", default="FLASH_2M", choices=["FLASH_2M", "FLASH_1M"])
    ap.add_argument("--engine", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--irom-budget", type=int, default=160 * 1024)
    ap.add_argument("--iram-budget", type=int, default=0)
    ap.add_argument("--dram-budget", type=int, default=2 * 1024)
    ap.add_argument("--enforce", default="irom,iram,dram", help="comma list of budgets that fail the check")
    ap.add_argument("--fragment", default=None, help="irom0 fragment to use instead of the board's (self-test)")
    ap.add_argument("--esptool", default=None, help="esptool.py: also check the image it makes")
    ap.add_argument("objs", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    memory = os.path.join(args.board_dir, "memory_%s.ld" % ("2MiB" if args.variant == "FLASH_2M" else "1MiB"))
    script = os.path.join(args.out, "linkcheck_%s.ld" % args.variant)
    compose_script(memory, args.fragment or os.path.join(args.board_dir, "esp8266_ussl_irom0.ld"), args.shape, script)

    names = undefined_symbols(args, script, args.out)
    foreign = [n for n in names if not (n.startswith(PORT_PREFIXES) or n in PORT_NAMES)]
    if foreign:
        sys.exit("linkcheck: unresolved symbols that neither ussl nor the port provide: " + " ".join(foreign))
    stubs_s, stubs_o = write_stubs(names, args.out)
    run([args.prefix + "as", "-o", stubs_o, stubs_s])
    elf = os.path.join(args.out, "ussl_%s.elf" % args.variant)
    mapfile = os.path.join(args.out, "ussl_%s.map" % args.variant)
    r = link(args, script, [stubs_o], elf, mapfile, False)
    if "warning" in (r.stdout + r.stderr):
        sys.stderr.write(r.stdout + r.stderr)

    sizes = section_sizes(args, elf)
    syms = symbols(args, elf)
    contrib = map_contributions(mapfile, [".irom0.ussl", ".irom0.text", ".text", ".data", ".rodata", ".bss"])
    port_irom = sizes.get(".irom0.text", 0)
    irom = sizes.get(".irom0.ussl", 0) + port_irom - PORT_IROM_STUB
    iram = sizes.get(".text", 0)
    dram_parts = {s: sizes.get(s, 0) for s in (".data", ".rodata", ".bss")}
    dram = sum(dram_parts.values())
    if port_irom < PORT_IROM_STUB:
        sys.exit("linkcheck: the port's .irom0.text stub is missing")
    code = syms["_ussl_irom0_rodata"] - syms["_ussl_irom0_start"]
    rodata = syms["_ussl_irom0_end"] - syms["_ussl_irom0_rodata"]
    crates = {}
    for sec in (".irom0.ussl", ".irom0.text"):
        for o, n in contrib[sec].items():
            if o != "stubs.o":
                crates[o] = crates.get(o, 0) + n
    rust = sum(n for o, n in crates.items() if not o.endswith(".o"))

    def verdict(name, value, budget):
        over = value > budget
        enforced = name in args.enforce.split(",")
        tag = ("OVER by %d B" % (value - budget)) if over else "within"
        return tag + ("" if enforced or not over else " (reported, not enforced here)")

    print("esp8266 link check, %s (irom0 %d KiB at 0x40209000, IRAM 32 KiB, DRAM 80 KiB):"
          % (args.variant, (0xF7000 if args.variant == "FLASH_2M" else 0x8F000) // 1024))
    print("  ussl in irom0 (flash): %7d B (code+literals %d, read-only data %d; Rust %d, C %d)  budget %d: %s"
          % (irom, code, rodata + port_irom - PORT_IROM_STUB, rust, irom - rust, args.irom_budget,
             verdict("irom", irom, args.irom_budget)))
    print("  ussl in IRAM:          %7d B  budget %d: %s" % (iram, args.iram_budget, verdict("iram", iram, args.iram_budget)))
    print("  ussl in DRAM:          %7d B (.data %d + .rodata %d + .bss %d)  budget %d: %s"
          % (dram, dram_parts[".data"], dram_parts[".rodata"], dram_parts[".bss"], args.dram_budget,
             verdict("dram", dram, args.dram_budget)))
    top = sorted(crates.items(), key=lambda kv: -kv[1])
    print("  irom0 by crate/object: " + ", ".join("%s %d" % kv for kv in top[:14])
          + (", %d others %d" % (len(top) - 14, sum(n for _, n in top[14:])) if len(top) > 14 else ""))
    for sec in (".text", ".data", ".rodata", ".bss"):
        if contrib[sec]:
            print("  %s from: %s" % (sec, ", ".join("%s %d" % kv for kv in sorted(contrib[sec].items(), key=lambda kv: -kv[1]))))
    print("  %d symbols the port/SDK provide were stubbed (outside the figures)" % len(names))
    if args.esptool:
        esptool_check(args, elf, irom + PORT_IROM_STUB)
    figures = {"variant": args.variant, "irom0": irom, "irom0_code": code, "irom0_rodata": rodata,
               "iram": iram, "dram": dram, "dram_parts": dram_parts, "by_owner": dict(top),
               "budgets": {"irom0": args.irom_budget, "iram": args.iram_budget, "dram": args.dram_budget}}
    with open(os.path.join(args.out, "linkcheck_%s.json" % args.variant), "w") as f:
        json.dump(figures, f, indent=1)
    failed = [n for n, v, b in (("irom", irom, args.irom_budget), ("iram", iram, args.iram_budget),
                                ("dram", dram, args.dram_budget)) if v > b and n in args.enforce.split(",")]
    if failed:
        sys.exit("linkcheck: over budget: " + ", ".join(failed))


if __name__ == "__main__":
    main()
