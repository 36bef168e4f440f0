#!/usr/bin/env python3
"""MicroPython's own ssl/tls tests against upstream's unix port built with ussl.

  tests/run-upstream-tls.py --micropy-dir CHECKOUT --check          is CHECKOUT usable? (make unix)
  tests/run-upstream-tls.py --micropy-dir CHECKOUT --micropython BIN  run the tests on BIN

`make unix MICROPY_DIR=CHECKOUT` builds CHECKOUT/ports/unix with micropython-port/ as
USER_C_MODULES and MicroPython's own TLS off (MICROPY_PY_SSL=0), so `ussl` registers as `tls`
and the `ssl` module frozen from micropython-lib (lib/micropython-lib/python-stdlib/ssl) runs on
it, as does the frozen asyncio. `make test-upstream MICROPY_DIR=CHECKOUT` then runs:

  tests/run-tests.py       extmod/ssl_*.py extmod/tls_*.py net_hosted/ssl_*.py
                           net_inet/*tls*.py net_inet/*ssl*.py   (net_inet needs the internet)
  tests/run-multitests.py  multi_net/*ssl*.py                    (two instances of BIN)

and prints run-tests.py's own pass/fail/skip lists, then one summary line. Tests that need a TLS
server (server_side=True, load_cert_chain: the engine is a client) fail with the OSError that
names the limitation; that is expected, see the README's API section.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
from pathlib import Path

RUN_TESTS_GLOBS = ["extmod/ssl_*.py", "extmod/tls_*.py", "net_hosted/ssl_*.py",
                   "net_inet/*tls*.py", "net_inet/*ssl*.py"]
MULTI_GLOBS = ["multi_net/*ssl*.py"]


def fail(msg):
    sys.stderr.write("upstream-tls: " + msg + "\n")
    sys.exit(2)


def check_tree(mpy):
    if not mpy:
        fail("MICROPY_DIR is not set: give a full MicroPython checkout (git clone "
             "--recurse-submodules, or `make -C ports/unix submodules` in it), e.g. "
             "make unix MICROPY_DIR=$HOME/micropython. The source this build fetches by default "
             "has py/ and shared/ only: no ports/unix, no tests/.")
    mpy = Path(mpy).resolve()
    need = ["ports/unix/Makefile", "extmod/extmod.mk", "tests/run-tests.py", "tests/run-multitests.py"]
    missing = [p for p in need if not (mpy / p).exists()]
    if missing:
        fail(f"{mpy} is not a full MicroPython checkout: missing {', '.join(missing)}")
    ssl_py = mpy / "lib" / "micropython-lib" / "python-stdlib" / "ssl" / "ssl.py"
    if not ssl_py.exists():
        fail(f"{mpy}/lib/micropython-lib is empty: run `make -C {mpy}/ports/unix submodules` "
             "(the unix port freezes micropython-lib's ssl.py, the `ssl` wrapper over `tls`)")
    if "MBEDTLS_VERSION" in ssl_py.read_text(errors="replace"):
        # ssl 0.2.0 names MBEDTLS_VERSION in its `from tls import (...)`; 0.2.1 imports `*`.
        sys.stderr.write(f"upstream-tls: warning: {ssl_py} (micropython-lib ssl 0.2.0) imports "
                         "tls.MBEDTLS_VERSION, which only MicroPython's mbed TLS module has: `import ssl` "
                         "fails on ussl (as on axTLS ports); update lib/micropython-lib to a version "
                         "with ssl 0.2.1 or later (`from tls import *`). `import tls` works either way.\n")
    return mpy


def find_tests(tests_dir, patterns):
    found = []
    for pat in patterns:
        for p in sorted(glob.glob(str(tests_dir / pat))):
            rel = os.path.relpath(p, tests_dir)
            if rel not in found:
                found.append(rel)
    return found


def run(cmd, cwd, env):
    print("+ (cd %s && %s)" % (cwd, " ".join(cmd)), flush=True)
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(proc.stdout)
    sys.stdout.flush()
    return proc.returncode, proc.stdout


def count(pattern, text):
    m = re.search(pattern, text, re.M)
    return int(m.group(1)) if m else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--micropy-dir", default=os.environ.get("MICROPY_DIR", ""))
    ap.add_argument("--micropython", help="the unix binary built by `make unix`")
    ap.add_argument("--check", action="store_true", help="only check the checkout and exit")
    args = ap.parse_args()

    mpy = check_tree(args.micropy_dir)
    if args.check:
        return 0
    if not args.micropython or not Path(args.micropython).exists():
        fail(f"no unix binary at {args.micropython} (make unix MICROPY_DIR={mpy})")
    binary = str(Path(args.micropython).resolve())
    tests_dir = mpy / "tests"
    env = dict(os.environ, MICROPY_MICROPYTHON=binary)

    single = find_tests(tests_dir, RUN_TESTS_GLOBS)
    multi = find_tests(tests_dir, MULTI_GLOBS)
    if not single and not multi:
        fail(f"no ssl/tls tests found under {tests_dir}")
    passed = failed = skipped = 0
    status = 0
    if single:
        rc, out = run([sys.executable, "run-tests.py", *single], str(tests_dir), env)
        passed += count(r"^(\d+) tests passed", out)
        skipped += count(r"^(\d+) tests skipped", out)
        failed += count(r"^(\d+) tests failed", out)
        status |= rc
    if multi:
        # Two unix instances (MICROPY_MICROPYTHON) talking to each other over loopback.
        rc, out = run([sys.executable, "run-multitests.py", *multi], str(tests_dir), env)
        passed += count(r"^(\d+) tests passed", out)
        skipped += count(r"^(\d+) tests skipped", out)
        failed += count(r"^(\d+) tests failed", out)
        status |= rc
    print(f"upstream ssl/tls tests on {binary}: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main())
