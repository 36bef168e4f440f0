#!/usr/bin/env python3
"""Run MicroPython's own test runner (tests/run-tests.py of a full MicroPython checkout) on the
emulated ESP8266 board, through the pty launcher: run-tests.py drives the board with
tools/pyboard.py over `execpty:"boards/qemu_lx106/run.py --pty"`, as upstream's ports/qemu does
with `qemu-system-... -serial pty`.

  tests/run-upstream-board.py --micropy-dir CHECKOUT [--firmware ELF] [DIR...]   (default DIRs: basics extmod stress)
  tests/run-upstream-board.py --micropy-dir CHECKOUT --check                     only check the tree

Runners that know `-t/--test-instance execpty:...` (MicroPython >= 1.24) get that; older ones
(1.23) get `--target esp8266 --device execpty:...`. The port's feature tests (run-tests.py's
feature_check/) decide the skips as on any board. run-tests.py prints the pass/fail/skip counts.
"""
import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fail(msg):
    sys.stderr.write("test-upstream-board: " + msg + "\n")
    sys.exit(2)


def check_tree(mpy):
    if not mpy:
        fail("MICROPY_DIR is not set: give a full MicroPython checkout, e.g. "
             "make test-upstream-board MICROPY_DIR=$HOME/micropython "
             "(the source the build fetches by default has py/, shared/ and tools/pyboard.py only, no tests/)")
    mpy = Path(mpy).resolve()
    missing = [p for p in ("tests/run-tests.py", "tools/pyboard.py", "tests/basics", "tests/extmod", "tests/stress",
                           "tests/feature_check")
               if not (mpy / p).exists()]
    if missing:
        fail(f"{mpy} is not a full MicroPython tree: missing {', '.join(missing)} "
             "(need a checkout with tests/run-tests.py, tests/basics, tests/extmod, tests/stress, tools/pyboard.py)")
    try:
        import serial  # noqa: F401
    except ImportError:
        fail("pyserial is missing (pip install pyserial, or make deps): pyboard.py opens the pty with it")
    return mpy


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--micropy-dir", default=os.environ.get("MICROPY_DIR", ""))
    ap.add_argument("--firmware", default=str(ROOT / "build" / "lx106" / "firmware.elf"))
    ap.add_argument("--check", action="store_true", help="only check the MicroPython tree and exit")
    ap.add_argument("--run-tests-arg", action="append", default=[], help="extra run-tests.py argument (repeatable)")
    ap.add_argument("dirs", nargs="*", default=["basics", "extmod", "stress"])
    args = ap.parse_args()

    mpy = check_tree(args.micropy_dir)
    if args.check:
        return 0
    firmware = Path(args.firmware).resolve()
    if not firmware.exists():
        fail(f"no firmware at {firmware} (make board)")
    launcher = ROOT / "boards" / "qemu_lx106" / "run.py"
    for p in (sys.executable, launcher, firmware):
        if any(c.isspace() for c in str(p)):
            fail(f"{p}: pyboard.py splits execpty: commands on spaces; use a path without spaces")
    device = f"execpty:{sys.executable} {launcher} --pty --firmware={firmware}"
    runner = mpy / "tests" / "run-tests.py"
    text = runner.read_text(errors="replace")
    if "--test-instance" in text:
        how = ["-t", device]
    else:
        how = ["--target", "esp8266", "--device", device]
    cmd = [sys.executable, str(runner), *how, *args.run_tests_arg, "-d", *args.dirs]
    print("+ (cd %s && %s)" % (runner.parent, " ".join(shlex.quote(c) for c in cmd)), flush=True)
    return subprocess.call(cmd, cwd=str(runner.parent))


if __name__ == "__main__":
    sys.exit(main())
