#!/usr/bin/env python3
"""Launcher and socket relay for the emulated ESP8266 board (QEMU -M sim -cpu lx106).

  run.py                       interactive REPL on this terminal (Ctrl-X or EOF quits)
  run.py --script FILE.py      run FILE on the board through the raw REPL's raw-paste mode
                               (the board compiles while it reads, so the source text never
                               sits in the 38 KiB heap); prints its output (traceback on
                               stderr), exits 1 if it raised, 0 otherwise
  run.py --pty                 present the board's console on a pseudo-terminal: prints
                               "char device redirected to /dev/pts/N (label serial0)" on
                               stderr as QEMU's `-serial pty` does, so MicroPython's
                               tools/pyboard.py `--device execpty:"run.py --pty"` and
                               run-tests.py `-t execpty:"..."` drive the board (raw REPL,
                               raw-paste, soft reset). Runs until SIGTERM/SIGINT, until the
                               board exits, or until the process that started it is gone.
  --stats                      print the board's CCOUNT, instruction count, C stack peak and
                               TLS engine stack peak at exit

QEMU always runs with `-icount shift=0,sleep=off` (one instruction = 1 ns of virtual time,
CCOUNT = one tick per 25 instructions): runs are deterministic for the same binary and input.

Socket relay: the firmware opens two FIFOs in QEMU's working directory (a temporary directory)
through semihosting: "relay.tx" (requests, guest -> host) and then "relay.rx" (replies); this
side opens them in the same order. Each request is carried out on a real host socket
(see micropython-port/lx106/relay.h for the framing).
"""
import argparse
import errno
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_FIRMWARE = os.path.join(REPO, "build", "lx106", "firmware.elf")
INSNS_PER_CCOUNT = 25

(OP_SOCKET, OP_GETADDRINFO, OP_CONNECT, OP_SEND, OP_RECV, OP_CLOSE, OP_SETTIMEOUT, OP_POLL, OP_WAIT,
 OP_BIND, OP_LISTEN, OP_ACCEPT) = range(1, 13)
GAI_ERROR_BASE = -1000
POLL_RD, POLL_WR, POLL_ERR, POLL_HUP, POLL_NVAL = 0x1, 0x4, 0x8, 0x10, 0x20
MAX_PAYLOAD = 4096

STATS_RE = re.compile(rb"\x1b\]lx106;([^\x07]*)\x07")


def qemu_command(firmware, qemu="qemu-system-xtensa"):
    return [qemu, "-M", "sim", "-cpu", "lx106", "-semihosting",
            "-display", "none", "-monitor", "none", "-serial", "none",
            "-icount", "shift=0,sleep=off", "-kernel", os.path.abspath(firmware)]


class Relay(threading.Thread):
    """Host end of the guest's socket relay (one request, one reply)."""

    def __init__(self, workdir, trace=False):
        super().__init__(daemon=True)
        self.tx_path = os.path.join(workdir, "relay.tx")
        self.rx_path = os.path.join(workdir, "relay.rx")
        os.mkfifo(self.tx_path)
        os.mkfifo(self.rx_path)
        self.socks = {}
        self.trace = trace

    def unblock(self):
        """Lets a relay still waiting for the guest to open the FIFOs run to its end."""
        if not self.is_alive():
            return
        try:
            tx = os.open(self.tx_path, os.O_WRONLY | os.O_NONBLOCK)  # wakes the open of relay.tx
        except OSError:
            tx = None
        rx = os.open(self.rx_path, os.O_RDONLY | os.O_NONBLOCK)      # lets the open of relay.rx pass
        if tx is not None:
            os.close(tx)                                             # the relay then reads EOF
        self.join(2)
        os.close(rx)

    def _read_exact(self, fd, n):
        buf = b""
        while len(buf) < n:
            chunk = os.read(fd, n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def run(self):
        # Same order as the guest: relay.tx, then relay.rx.
        tx = os.open(self.tx_path, os.O_RDONLY)
        try:
            rx = os.open(self.rx_path, os.O_WRONLY)
        except OSError:
            os.close(tx)
            return
        try:
            while True:
                hdr = self._read_exact(tx, 4)
                if hdr is None:
                    break
                op, sid, n = struct.unpack("<BBH", hdr)
                payload = self._read_exact(tx, n) if n else b""
                if payload is None:
                    break
                result, data = self.handle(op, sid, payload)
                if self.trace:
                    sys.stderr.write("relay: op=%d sock=%d len=%d -> %d (+%d B)\n" % (op, sid, n, result, len(data)))
                os.write(rx, struct.pack("<iH", result, len(data)) + data)
        except OSError:
            pass
        finally:
            for s in self.socks.values():
                s.close()
            os.close(tx)
            os.close(rx)

    @staticmethod
    def _err(e):
        if isinstance(e, BlockingIOError):
            # EINPROGRESS for a non-blocking connect (as on the unix port), else EAGAIN
            return -(e.errno or errno.EAGAIN)
        if isinstance(e, socket.timeout) or e.errno is None:
            return -errno.ETIMEDOUT
        return -e.errno

    @staticmethod
    def _poll_mask(events):
        return (select.POLLIN if events & POLL_RD else 0) | (select.POLLOUT if events & POLL_WR else 0)

    def _poll_one(self, s, events):
        # poll(2) semantics: POLLERR/POLLHUP come whatever was asked.
        p = select.poll()
        p.register(s, self._poll_mask(events))
        ready = 0
        for _, ev in p.poll(0):
            ready |= ((POLL_RD if ev & select.POLLIN else 0) | (POLL_WR if ev & select.POLLOUT else 0)
                      | (POLL_ERR if ev & select.POLLERR else 0) | (POLL_HUP if ev & select.POLLHUP else 0)
                      | (POLL_NVAL if ev & select.POLLNVAL else 0))
        return ready

    def _wait(self, p):
        """OP_WAIT: sleeps until one of the listed sockets is ready or the time is up; returns
        the milliseconds waited (the board advances its clock by as much)."""
        (ms,) = struct.unpack("<H", p[:2])
        poller = select.poll()
        for i in range(2, len(p) - 1, 2):
            s = self.socks.get(p[i])
            if s is not None:
                poller.register(s, self._poll_mask(p[i + 1]))
        start = time.monotonic()
        poller.poll(ms)
        return min(ms, int((time.monotonic() - start) * 1000 + 0.5))

    def _free_id(self):
        """The lowest socket id (1..255) not in use, or None."""
        return next((i for i in range(1, 256) if i not in self.socks), None)

    def handle(self, op, sid, p):
        if op == OP_SOCKET:
            sid = self._free_id()
            if sid is None:
                return -errno.EMFILE, b""
            af, st = p[0], p[1]
            if af != 2 or st != 1:
                return -errno.EAFNOSUPPORT, b""
            self.socks[sid] = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            return sid, b""
        if op == OP_GETADDRINFO:
            try:
                infos = socket.getaddrinfo(p.decode("utf-8", "replace"), None, socket.AF_INET, socket.SOCK_STREAM)
                return 0, socket.inet_aton(infos[0][4][0])
            except socket.gaierror as e:
                return GAI_ERROR_BASE + (e.errno if e.errno and e.errno < 0 else -2), b""
            except OSError as e:
                return self._err(e), b""
        if op == OP_WAIT:
            return self._wait(p), b""
        s = self.socks.get(sid)
        if s is None:
            return -errno.EBADF, b""
        try:
            if op == OP_CONNECT:
                s.connect((socket.inet_ntoa(p[:4]), struct.unpack(">H", p[4:6])[0]))
                return 0, b""
            if op == OP_SEND:
                return s.send(p), b""
            if op == OP_RECV:
                (want,) = struct.unpack("<H", p[:2])
                data = s.recv(min(want, MAX_PAYLOAD))
                return len(data), data
            if op == OP_CLOSE:
                del self.socks[sid]
                s.close()
                return 0, b""
            if op == OP_SETTIMEOUT:
                (ms,) = struct.unpack("<I", p[:4])
                if ms == 0xFFFFFFFF:
                    s.settimeout(None)
                elif ms == 0:
                    s.setblocking(False)
                else:
                    s.settimeout(ms / 1000.0)
                return 0, b""
            if op == OP_POLL:
                (events,) = struct.unpack("<H", p[:2])
                return self._poll_one(s, events), b""
            if op == OP_BIND:
                # The emulated board's network is the host's loopback: "any address" binds
                # 127.0.0.1 only, so a board script never opens a port to the outside.
                ip = socket.inet_ntoa(p[:4])
                if ip == "0.0.0.0":
                    ip = "127.0.0.1"
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((ip, struct.unpack(">H", p[4:6])[0]))
                return 0, b""
            if op == OP_LISTEN:
                s.listen(p[0] if p else 2)
                return 0, b""
            if op == OP_ACCEPT:
                new = self._free_id()
                if new is None:
                    return -errno.EMFILE, b""
                c, (ip, port) = s.accept()
                c.settimeout(None)  # a new socket on the board is blocking, whatever the listener is
                self.socks[new] = c
                return new, socket.inet_aton(ip) + struct.pack(">H", port)
        except OSError as e:
            return self._err(e), b""
        return -errno.EINVAL, b""


class Board:
    """A QEMU process running the firmware, its console and its relay."""

    def __init__(self, firmware, qemu="qemu-system-xtensa", trace_relay=False):
        if not os.path.exists(firmware):
            raise SystemExit("run.py: no firmware at %s (make board)" % firmware)
        self.workdir = tempfile.mkdtemp(prefix="qemu_lx106.")
        self.relay = Relay(self.workdir, trace=trace_relay)
        self.relay.start()
        self.proc = subprocess.Popen(qemu_command(firmware, qemu), cwd=self.workdir,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.stats = {}
        self.cond = threading.Condition()
        self.buf = b""          # console output not consumed yet
        self.eof = False
        self.sink = None        # when set, console output goes there instead of self.buf
        self.reader = threading.Thread(target=self._read_console, daemon=True)
        self.reader.start()

    def _read_console(self):
        pending = b""
        while True:
            chunk = self.proc.stdout.read1(4096) if hasattr(self.proc.stdout, "read1") else os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                break
            pending += chunk
            # Pick out the stats escape (possibly split across reads).
            out = b""
            while True:
                m = STATS_RE.search(pending)
                if m:
                    out += pending[:m.start()]
                    for kv in m.group(1).split(b";"):
                        if b"=" in kv:
                            k, v = kv.split(b"=", 1)
                            self.stats[k.decode()] = int(v)
                    pending = pending[m.end():]
                    continue
                i = pending.find(b"\x1b]")
                if i < 0:
                    out += pending
                    pending = b""
                elif len(pending) - i > 200:
                    out += pending
                    pending = b""
                else:
                    out += pending[:i]
                    pending = pending[i:]
                break
            self._emit(out)
        self._emit(pending)
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def _emit(self, data):
        if not data:
            return
        with self.cond:
            if self.sink is not None:
                self.sink(data)
            else:
                self.buf += data
            self.cond.notify_all()

    def write(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def read_until(self, marker, timeout, on_data=None):
        """Consumes console output up to and including marker; returns what came before it."""
        got = b""
        with self.cond:
            deadline = None if timeout is None else _now() + timeout
            while True:
                i = self.buf.find(marker)
                if i >= 0:
                    part, self.buf = self.buf[:i], self.buf[i + len(marker):]
                    if on_data:
                        on_data(part)
                    return got + part
                # Stream whatever cannot be the start of the marker.
                keep = len(marker) - 1
                if on_data and len(self.buf) > keep:
                    cut = len(self.buf) - keep
                    on_data(self.buf[:cut])
                    got += self.buf[:cut]
                    self.buf = self.buf[cut:]
                if self.eof:
                    if on_data:
                        on_data(self.buf)
                        self.buf = b""
                        raise EOFError(b"")
                    raise EOFError(got + self.buf)
                remaining = None if deadline is None else deadline - _now()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(got + self.buf)
                self.cond.wait(remaining if remaining is not None else 1.0)

    def read_exact(self, n, timeout):
        """Consumes exactly n bytes of console output."""
        with self.cond:
            deadline = _now() + timeout
            while len(self.buf) < n:
                if self.eof:
                    raise EOFError(self.buf)
                remaining = deadline - _now()
                if remaining <= 0:
                    raise TimeoutError(self.buf)
                self.cond.wait(remaining)
            data, self.buf = self.buf[:n], self.buf[n:]
            return data

    def shutdown(self, timeout=10):
        """Closes the console (the firmware exits on stdin EOF) and waits for QEMU."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)
        self.relay.unblock()
        self.relay.join(2)
        shutil.rmtree(self.workdir, ignore_errors=True)
        return self.proc.returncode

    def stats_line(self):
        cc = self.stats.get("ccount")
        if cc is None:
            return "lx106: no stats (the firmware did not reach a clean exit)"
        line = "lx106: CCOUNT %d = %d instructions; C stack peak %d of 8192 bytes" % (
            cc, cc * INSNS_PER_CCOUNT, self.stats.get("stack_peak", -1))
        if self.stats.get("engine_stack_size"):
            line += "; TLS engine stack peak %d of %d bytes" % (
                self.stats.get("engine_stack_peak", -1), self.stats["engine_stack_size"])
        return line


def _now():
    import time
    return time.monotonic()


def run_script(board, path, timeout):
    with open(path, "rb") as f:
        code = f.read()
    out = sys.stdout.buffer

    def show(data):
        out.write(data.replace(b"\r\n", b"\n"))
        out.flush()

    try:
        board.write(b"\r\x03\x03\r\x01")
        board.read_until(b"raw REPL; CTRL-B to exit\r\n>", 60)
        # Raw-paste mode (Ctrl-E 'A' Ctrl-A): the board answers R\x01, its flow-control window
        # (2 bytes) and \x01, then compiles while reading. The console is a pipe that holds the
        # whole script, so it goes out at once; the board's \x01 window acknowledgements and
        # the \x04 that ends the paste are consumed below.
        board.write(b"\x05A\x01")
        if board.read_exact(2, 60) == b"R\x01":
            board.read_exact(3, 60)
            board.write(code + b"\x04")
            acks = board.read_until(b"\x04", 600)
            if acks.strip(b"\x01"):
                sys.stderr.write("run.py: unexpected raw-paste reply: %r\n" % acks)
                return 2
        else:
            # No raw-paste support: the plain raw REPL (the source stays in the heap while it runs).
            board.read_until(b">", 60)
            board.write(code + b"\x04")
            resp = board.read_until(b"OK", 60)
            if resp:
                sys.stderr.write("run.py: unexpected raw REPL reply: %r\n" % resp)
                return 2
        board.read_until(b"\x04", timeout, on_data=show)
        err = board.read_until(b"\x04", 60)
        board.read_until(b">", 60)
    except TimeoutError as e:
        sys.stderr.write("\nrun.py: timeout after %ss; output so far: %r\n" % (timeout, e.args[0][-500:]))
        board.proc.kill()
        return 124
    except EOFError as e:
        tail = e.args[0]
        out.write(tail.replace(b"\r\n", b"\n"))
        out.flush()
        board.proc.wait()
        sys.stderr.write("\nrun.py: the board stopped (exit code %s)\n" % board.proc.returncode)
        return board.proc.returncode or 3
    if err:
        sys.stderr.buffer.write(err.replace(b"\r\n", b"\n"))
        sys.stderr.flush()
        return 1
    return 0


def run_interactive(board):
    out = sys.stdout.buffer

    def show(data):
        out.write(data)
        out.flush()

    with board.cond:
        board.sink = show
        if board.buf:
            show(board.buf)
            board.buf = b""
    fd = sys.stdin.fileno()
    tty_state = None
    if os.isatty(fd):
        import termios
        import tty
        tty_state = termios.tcgetattr(fd)
        tty.setraw(fd)
        sys.stderr.write("[qemu_lx106 REPL: Ctrl-X to quit]\r\n")
    try:
        while board.proc.poll() is None:
            r, _, _ = select.select([fd], [], [], 0.2)
            if not r:
                continue
            data = os.read(fd, 1024)
            if not data:
                break
            if b"\x18" in data:
                data = data[:data.index(b"\x18")]
                if data:
                    board.write(data)
                break
            if tty_state is None:
                data = data.replace(b"\r\n", b"\r").replace(b"\n", b"\r")
            try:
                board.write(data)
            except (BrokenPipeError, OSError):
                break
    finally:
        if tty_state is not None:
            import termios
            termios.tcsetattr(fd, termios.TCSADRAIN, tty_state)
    return 0


def run_pty(board):
    """Bridges the board console to a new pty (what `qemu -serial pty` would give)."""
    import signal
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)   # no echo, no CR/LF translation: the slave is a raw serial line
    # The slave stays open here as well, so the master never sees EIO while the client
    # (pyserial) is not connected yet or reopens it.
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    def to_pty(data):
        view = memoryview(data)
        while view and not stop.is_set():
            try:
                n = os.write(master, view)
            except BlockingIOError:
                select.select([], [master], [], 0.2)
                continue
            except OSError:
                return
            view = view[n:]

    os.set_blocking(master, False)
    with board.cond:
        board.sink = to_pty
        if board.buf:
            to_pty(board.buf)
            board.buf = b""
    sys.stderr.write("char device redirected to %s (label serial0)\n" % os.ttyname(slave))
    sys.stderr.flush()
    parent = os.getppid()
    try:
        while not stop.is_set() and board.proc.poll() is None:
            if os.getppid() != parent:
                break   # the client (e.g. pyboard.py) died without stopping us
            try:
                r, _, _ = select.select([master], [], [], 0.2)
            except InterruptedError:
                continue
            if not r:
                continue
            try:
                data = os.read(master, 4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                break
            if not data:
                break
            try:
                board.write(data)
            except (BrokenPipeError, OSError):
                break
    finally:
        stop.set()
        with board.cond:
            board.sink = lambda data: None
        if board.proc.poll() is None:
            board.proc.terminate()  # the session is over; the firmware may be busy, not reading
        os.close(master)
        os.close(slave)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--firmware", default=DEFAULT_FIRMWARE)
    ap.add_argument("--script", help="run this file through the raw REPL and exit")
    ap.add_argument("--pty", action="store_true",
                    help="bridge the console to a pty and print its path on stderr (for pyboard.py execpty:)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed for the script (default 1800)")
    ap.add_argument("--stats", action="store_true", help="print CCOUNT / instructions / stack peak at exit (stderr)")
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-xtensa"))
    ap.add_argument("--trace-relay", action="store_true", help="log every relay request (stderr)")
    args = ap.parse_args()

    board = Board(args.firmware, args.qemu, args.trace_relay)
    rc = 0
    try:
        if args.pty:
            rc = run_pty(board)
        elif args.script:
            rc = run_script(board, args.script, args.timeout)
        else:
            rc = run_interactive(board)
    except KeyboardInterrupt:
        rc = 130
    finally:
        qemu_rc = board.shutdown()
    if args.stats:
        sys.stderr.write(board.stats_line() + "\n")
    if rc == 0 and qemu_rc not in (0, None) and not (args.pty and qemu_rc < 0):
        sys.stderr.write("run.py: the board exited with code %s\n" % qemu_rc)
        rc = qemu_rc
    return rc


if __name__ == "__main__":
    sys.exit(main())
