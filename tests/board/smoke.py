#!/usr/bin/env python3
"""Quick checks of the emulated ESP8266 board (make test-board-smoke).

Runs small scripts on the board through boards/qemu_lx106/run.py and checks: arithmetic,
heap size, ticks_cpu determinism (a 2,000,000-instruction loop = 80,000 CCOUNT ticks, the same
on every run), the socket relay against a local TCP echo server, the interactive REPL, the
exit code of a raising script and the C stack guard.
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RUN = os.path.join(REPO, "boards", "qemu_lx106", "run.py")

failures = []


def check(name, cond, detail=""):
    print("%-40s %s%s" % (name, "ok" if cond else "FAIL", "" if cond else "  " + detail))
    if not cond:
        failures.append(name)


def run(firmware, script_text=None, script_path=None, stdin=None, extra=()):
    path = script_path
    tmp = None
    if script_text is not None:
        tmp = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
        tmp.write(script_text)
        tmp.close()
        path = tmp.name
    cmd = [sys.executable, RUN, "--firmware", firmware] + list(extra)
    if path:
        cmd += ["--script", path]
    try:
        p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=300)
    finally:
        if tmp:
            os.unlink(tmp.name)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def lines(out):
    d = {}
    for line in out.splitlines():
        k, _, v = line.partition(" ")
        d[k] = v
    return d


def echo_server():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=echo, args=(c,), daemon=True).start()

    def echo(c):
        with c:
            while True:
                data = c.recv(65536)
                if not data:
                    return
                c.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    return srv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmware", default=os.path.join(REPO, "build", "lx106", "firmware.elf"))
    fw = ap.parse_args().firmware

    # 1. arithmetic, heap, ticks_cpu, sleep, stack peak
    runs = []
    for i in range(2):
        rc, out, err = run(fw, script_path=os.path.join(HERE, "board_smoke.py"), extra=["--stats"])
        runs.append((rc, out, err))
    rc, out, err = runs[0]
    v = lines(out)
    check("smoke script exit code", rc == 0, err)
    check("arithmetic", v.get("arith", "").startswith("7 18446744073709551617 3 2"), out)
    heap = v.get("heap", "0 False").split()
    # 38 KiB pool: mem_free + mem_alloc is the pool less the GC's allocation tables.
    check("heap is the 38 KiB pool", 37 * 1024 < int(heap[0]) <= 38 * 1024 and heap[1] == "True", out)
    check("GC stress keeps live objects", v.get("gc_stress") == "True 50", out)
    check("ticks_cpu small delta", v.get("ticks_cpu_delta_small") == "True", out)
    check("time.sleep_ms advances ticks_ms", v.get("sleep_ms") == "True", out)
    check("stack_peak within 8 KiB", v.get("stack_peak", "").startswith("True 8192 38912"), out)
    try:
        deltas = [int(x) for x in v["spin_deltas"].strip("[]").split(",")]
    except (KeyError, ValueError):
        deltas = []
    check("2M-instruction loop = 80,000 CCOUNT (+call)", len(deltas) == 2 and all(80000 <= d < 80300 for d in deltas), str(deltas))
    # CCOUNT ticks once per 25 instructions: equal loops read the same delta to within one tick.
    check("CCOUNT deltas equal within a run (+-1 tick)", deltas and max(deltas) - min(deltas) <= 1, str(deltas))
    check("identical output across runs (icount)", runs[0][1] == runs[1][1], runs[1][1])
    stats0 = [l for l in runs[0][2].splitlines() if l.startswith("lx106:")]
    stats1 = [l for l in runs[1][2].splitlines() if l.startswith("lx106:")]
    check("identical total CCOUNT across runs", stats0 and stats0 == stats1, "%s vs %s" % (stats0, stats1))
    print("   ", stats0[0] if stats0 else "(no stats)")

    # 2. socket relay against a local echo server
    srv = echo_server()
    port = srv.getsockname()[1]
    with open(os.path.join(HERE, "board_socket.py")) as f:
        text = "PORT = %d\n" % port + f.read()
    rc, out, err = run(fw, script_text=text)
    srv.close()
    v = lines(out)
    check("socket script exit code", rc == 0, err + out)
    check("getaddrinfo", v.get("gai") == "('127.0.0.1', %d)" % port, out)
    check("send/recv", v.get("recv") == "b'hello\\n'", out)
    check("write/readline", v.get("readline") == "b'line one\\n'", out)
    check("readinto", v.get("readinto") == "9 b'line two\\n'", out)
    check("10 kB sendall/read", v.get("bulk") == "10000 True", out)
    check("non-blocking recv -> EAGAIN", v.get("nonblocking") == "True", out)
    check("closed socket -> EBADF", v.get("closed") == "True", out)
    check("connection refused -> ECONNREFUSED", v.get("refused") == "True", out)

    # 3. a listening socket on the board, reached by a host client through the relay
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    lport = probe.getsockname()[1]
    probe.close()
    reply = []

    def client():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                c = socket.create_connection(("127.0.0.1", lport), timeout=60)
            except OSError:
                time.sleep(0.05)  # the board has not listened yet
                continue
            with c:
                c.sendall(b"ping from host\n")
                reply.append(c.makefile("rb").readline())
            return

    th = threading.Thread(target=client, daemon=True)
    th.start()
    with open(os.path.join(HERE, "board_listen.py")) as f:
        rc, out, err = run(fw, script_text="LPORT = %d\n" % lport + f.read())
    th.join(5)
    v = lines(out)
    check("listen script exit code", rc == 0, err + out)
    check("bind to a port in use -> EADDRINUSE", v.get("in_use") == "True", out)
    check("non-blocking accept, no client -> EAGAIN", v.get("nonblocking_accept") == "True", out)
    check("accept on a closed socket -> EBADF", v.get("closed_accept") == "True", out)
    check("poll: listener readable when a client waits", v.get("poll_ready") == "True", out)
    check("accept -> (socket, (ip, port))", v.get("accepted") == "127.0.0.1 True", out)
    check("board served the host client", v.get("served") == "b'ping from host\\n'" and reply == [b"PING FROM HOST\n"], "%r %r" % (out, reply))

    # 4. interactive REPL over a pipe, exception exit code, stack guard
    rc, out, err = run(fw, stdin=b"print(6 * 7)\nimport sys\nprint(sys.implementation.name)\n")
    words = out.split()
    check("REPL over stdin", rc == 0 and "42" in words and "micropython" in words, out)
    rc, out, err = run(fw, script_text="print('before')\nraise ValueError('boom')\n")
    check("raising script -> exit 1 + traceback", rc == 1 and out.strip() == "before" and "ValueError: boom" in err, "%d %r %r" % (rc, out, err))
    rc, out, err = run(fw, script_text="import lx106\nlx106._overflow()\n")
    check("C stack overflow caught by the guard", rc == 136 and "C stack overflow" in err, "%d %r" % (rc, err))

    print("board smoke: %s" % ("all passed" if not failures else "FAILED: " + ", ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
