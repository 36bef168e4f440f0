#!/usr/bin/env python3
"""Run the MicroPython test scripts of tests/micropython/ on a target and compare their
output with the .exp files next to them.

  tests/run-micropython-tests.py --target host  [--micropython build/host/micropython] [TEST...]
  tests/run-micropython-tests.py --target board [--launcher boards/qemu_lx106/run.py] [TEST...]
  tests/run-micropython-tests.py --target board --transport pyboard [--pyboard PATH] [TEST...]
  tests/run-micropython-tests.py --target board --transport pyboard --device /dev/ttyUSB0 \
      --server-host 192.168.1.20 [TEST...]     a real ESP8266 on a serial port, reaching the
                                                test servers over Wi-Fi at that address

Board transports: "launcher" (default) runs LAUNCHER --script FILE; "pyboard" runs each script
the way MicroPython's own tools do: `pyboard.py --device execpty:"LAUNCHER --pty" FILE`
(the launcher prints the pty path like QEMU's -serial pty; pyboard.py soft-resets the board and
sends the script through the raw REPL / raw-paste mode). --pyboard defaults to tools/pyboard.py
of the MicroPython source that micropython-port/tools/fetch-micropython.sh reports.

The runner starts real TLS peers on 127.0.0.1 (no mocks):
  TLS_PORT     openssl s_server -tls1_3 -www, P-256 certificate for "localhost"
  SUITE_PORTS  {IANA suite name: port}: the same s_server restricted to that one suite
               (-ciphersuites), for each TLS 1.3 suite the engine may have
  PY_TLS_PORT  a Python ssl (TLS 1.3) server with small commands (ECHO/DATA/SINK/BYE/STATUS)
               that also records whether the client closed with close_notify
  HTTP_PORT    a plain-TCP server that answers HTTP (not TLS)
  CLOSE_PORT   a TCP server that reads the ClientHello and closes (mid-handshake EOF)
  EXPIRED_TLS_PORT  openssl s_server -tls1_3 -www with an expired leaf (tests/certs/make-chains.sh
               bad-expired + p256-int; EXPIRED_CA_DER is its root): the time-check opt-out
  MTLS_PORT    openssl s_server -tls1_3 -www that requires a client certificate from
               client-ca (-Verify 1 -verify_return_error): tls_clientcert.py
  PSK_PORT     openssl s_server -tls1_3 -www with only an external PSK (-psk -nocert):
               tls_psk.py
  HOSTILE_PORT tests/hostile/tls13_peer.py: a TLS 1.3 server that misbehaves in the way named
               by a line the client sends before its ClientHello (tls_hostile.py)
  INTERRUPT_PORT  reads the ClientHello, stays silent and sends SIGINT to the script under
               test (host port: Ctrl-C in the middle of a handshake, tls_interrupt.py)
  CLIENT_CTL_PORT  real TLS clients for a server script (tls_server.py): the script listens on
               SERVE_PORT, sends "<client> <port> [options]" here, serves the connection, then
               reads one line: what the client saw (TlsClients below)

Scripts get these values (the CA certificates, and the helpers of
tests/micropython/support/tls_support.py) through a generated preamble that is put in
front of each script, so they run unchanged on the host port and on the emulated board
(which has neither files nor sys.argv). For manual runs the same values are written to
<build>/tests-micropython/tls_test_config.py (scripts fall back to importing it).

Expected output: NAME.<target>.exp (e.g. tls_verify.board.exp) when it exists, else NAME.exp,
for behaviour that legitimately differs by port (the emulated ESP8266 refuses certificate
verification, which its engine stack cannot hold).

Prints PASS/FAIL per test, then "N passed, M failed"; exit status 1 if anything failed.
"""
import argparse
import difflib
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_DIR = ROOT / "tests" / "micropython"
# The external PSK of the PSK_PORT server.
PSK_ID = b"PSK-Identity-1"
PSK_KEY = bytes.fromhex("c0ffee00112233445566778899aabbcc")
SUPPORT = TEST_DIR / "support" / "tls_support.py"  # shared helpers, put into every preamble


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------- certificates

def ensure_certs(cert_dir):
    cert_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["sh", str(ROOT / "tests" / "certs" / "make-certs.sh"), str(cert_dir)], check=True)
    for name in ("ca.der", "other-ca.der", "ca.pem", "server.pem", "server.key", "client-ca.pem"):
        if not (cert_dir / name).exists():
            raise SystemExit(f"certificate file missing: {cert_dir / name}")
    return cert_dir


# ---------------------------------------------------------------- servers

# Address the test servers listen on and the scripts connect to: loopback, or this
# machine's LAN address for a real board (--server-host).
SERVER_HOST = "127.0.0.1"

def listen_socket():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((SERVER_HOST, 0))
    s.listen(16)
    return s


def free_port():
    with socket.socket() as s:
        s.bind((SERVER_HOST, 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited with status {proc.returncode}")
        try:
            with socket.create_connection((SERVER_HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"server on port {port} did not come up")


def serve_forever(listener, handler):
    def loop():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handler, args=(conn,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def http_handler(conn):
    """Plain TCP, speaks HTTP: whatever arrives (a ClientHello) gets an HTTP error page."""
    with conn:
        conn.settimeout(10)
        try:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n"
                         b"Content-Length: 12\r\n\r\nbad request\n")
            conn.shutdown(socket.SHUT_WR)
            time.sleep(0.2)
        except OSError:
            pass


def close_handler(conn):
    """Reads the whole ClientHello record, then closes cleanly (FIN, no TLS reply)."""
    with conn:
        conn.settimeout(10)
        try:
            hdr = recv_exact(conn, 5)
            if len(hdr) == 5:
                recv_exact(conn, int.from_bytes(hdr[3:5], "big"))
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class PyTlsServer:
    """TLS 1.3 server on Python's ssl module. One line command per connection:
      ECHO <id> <text>  -> "echo:<text>\\n", then waits for the client to close
      DATA <id> <n>     -> n pattern bytes (i % 251), then waits for the client to close
      SINK <id> <n>     -> reads n bytes, -> "got <n> <sum % 65536>\\n", then waits
      BYE <id>          -> "bye\\n" then close_notify from the server; waits for the reply
      STATUS <id>       -> how connection <id> ended: close_notify | ragged | reset | ...
    """

    def __init__(self, cert_dir):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        self.ctx.load_cert_chain(str(cert_dir / "server.pem"), str(cert_dir / "server.key"))
        self.results = {}
        self.cond = threading.Condition()
        self.listener = listen_socket()
        self.port = self.listener.getsockname()[1]
        serve_forever(self.listener, self.handle)

    def record(self, ident, how):
        with self.cond:
            self.results[ident] = how
            self.cond.notify_all()

    def wait_result(self, ident, timeout=20):
        deadline = time.monotonic() + timeout
        with self.cond:
            while ident not in self.results:
                left = deadline - time.monotonic()
                if left <= 0:
                    return "unknown"
                self.cond.wait(left)
            return self.results[ident]

    def wait_client_close(self, tls, ident):
        try:
            while True:
                data = tls.recv(4096)
                if not data:
                    self.record(ident, "close_notify")
                    return
        except ssl.SSLEOFError:
            self.record(ident, "ragged")
        except (ConnectionResetError, BrokenPipeError):
            self.record(ident, "reset")
        except socket.timeout:
            self.record(ident, "timeout")
        except (ssl.SSLError, OSError) as e:
            self.record(ident, "error:" + type(e).__name__)

    def handle(self, raw):
        raw.settimeout(60)
        try:
            tls = self.ctx.wrap_socket(raw, server_side=True, suppress_ragged_eofs=False)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        try:
            line = b""
            while not line.endswith(b"\n") and len(line) < 512:
                c = tls.recv(1)
                if not c:
                    return
                line += c
            parts = line.strip().split(b" ", 2)
            cmd, ident = parts[0], parts[1].decode() if len(parts) > 1 else "-"
            if cmd == b"ECHO":
                tls.sendall(b"echo:" + (parts[2] if len(parts) > 2 else b"") + b"\n")
                self.wait_client_close(tls, ident)
            elif cmd == b"DATA":
                n = int(parts[2])
                tls.sendall(bytes(i % 251 for i in range(n)))
                self.wait_client_close(tls, ident)
            elif cmd == b"SINK":
                n = int(parts[2])
                data = recv_exact(tls, n)
                tls.sendall(b"got %d %d\n" % (len(data), sum(data) % 65536))
                self.wait_client_close(tls, ident)
            elif cmd == b"BYE":
                tls.sendall(b"bye\n")
                try:
                    tls.unwrap()  # sends close_notify, then waits for the client's
                    self.record(ident, "close_notify")
                except ssl.SSLEOFError:
                    self.record(ident, "ragged")
                except (ssl.SSLError, OSError) as e:
                    self.record(ident, "error:" + type(e).__name__)
            elif cmd == b"STATUS":
                tls.sendall(self.wait_result(ident).encode() + b"\n")
                try:
                    tls.unwrap()
                except (ssl.SSLError, OSError):
                    pass
            else:
                tls.sendall(b"unknown command\n")
        except (ssl.SSLError, OSError):
            pass
        finally:
            try:
                tls.close()
            except OSError:
                pass


class TlsClients:
    """Real TLS clients run against a server script. One plain-TCP command line per
    connection, "<client> <port> [suite|-] [cert]"; the client runs (it retries its connect
    while the script gets to accept), sends "PING <client>\n", reads the reply until the
    server closes, and the result line goes back on the command connection:
      openssl   s_client -tls1_3 (-ciphersuites <suite>), verifying the server for localhost
      python    Python's ssl (TLS 1.3 only), verifying; reports whether close_notify came
      gnutls    gnutls-cli, TLS 1.3 only, verifying
      tls12     s_client -tls1_2: must be refused; reports the alert it got
      garbage   plain bytes (an HTTP request): reports the first bytes of the answer
    `cert`: present the client certificate (client.pem) when asked; `rogue`: one from a CA
    the server does not trust."""

    def __init__(self, cert_dir):
        self.d = cert_dir
        self.listener = listen_socket()
        self.port = self.listener.getsockname()[1]
        serve_forever(self.listener, self.handle)

    def handle(self, conn):
        with conn:
            conn.settimeout(60)
            try:
                line = b""
                while not line.endswith(b"\n"):
                    c = conn.recv(1)
                    if not c:
                        return
                    line += c
                words = line.decode().split()
                kind, port = words[0], int(words[1])
                suite = words[2] if len(words) > 2 and words[2] != "-" else None
                cert = words[3] if len(words) > 3 else None
                try:
                    result = getattr(self, "run_" + kind)(port, suite, cert)
                except AttributeError:
                    result = "unknown client " + kind
                except Exception as e:  # reported to the script, which prints it
                    result = "runner error %s: %s" % (type(e).__name__, e)
                conn.sendall(result.encode() + b"\n")
            except OSError:
                pass

    def cert_args(self, cert, flag_cert="-cert", flag_key="-key"):
        if cert is None:
            return []
        name = "rogue-client" if cert == "rogue" else "client"
        return [flag_cert, str(self.d / (name + ".pem")), flag_key, str(self.d / (name + ".key"))]

    def wait_listening(self, port):
        # The script listens before it sends the command; this only covers slow starts.
        wait_port(port, timeout=20)

    def run_openssl(self, port, suite, cert, version="-tls1_3"):
        args = ["openssl", "s_client", version, "-connect", f"{SERVER_HOST}:{port}",
                "-servername", "localhost", "-verify_hostname", "localhost",
                "-CAfile", str(self.d / "ca.pem"), "-verify_return_error", "-ign_eof"]
        if suite:
            args += ["-ciphersuites", suite]
        args += self.cert_args(cert)
        p = subprocess.run(args, input=b"PING openssl\n", stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=40)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        if version != "-tls1_3":
            m = re.search(r"alert ([a-z ]+)", err)
            return "refused: " + (m.group(1).strip() if m else "exit %d" % p.returncode)
        m = re.search(r"New, (TLSv1\.3), Cipher is (\S+)", out)
        v = re.search(r"Verify return code: (\d+)", out)
        reply = re.search(r"^(pong .*)$", out, re.M)
        if not m:
            a = re.search(r"alert ([a-z ]+)", err)
            return "failed: " + (a.group(1).strip() if a else "exit %d" % p.returncode)
        return "%s %s verify=%s reply=%r" % (m.group(1), m.group(2), v.group(1) if v else "?",
                                             reply.group(1) if reply else None)

    def run_tls12(self, port, suite, cert):
        return self.run_openssl(port, None, None, version="-tls1_2")

    def run_python(self, port, suite, cert):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_verify_locations(str(self.d / "ca.pem"))
        if cert is not None:
            name = "rogue-client" if cert == "rogue" else "client"
            ctx.load_cert_chain(str(self.d / (name + ".pem")), str(self.d / (name + ".key")))
        with socket.create_connection((SERVER_HOST, port), timeout=30) as raw:
            try:
                with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                    tls.sendall(b"PING python\n")
                    data = b""
                    try:
                        while True:
                            chunk = tls.recv(4096)
                            if not chunk:
                                ending = "close_notify"
                                break
                            data += chunk
                    except ssl.SSLEOFError:
                        ending = "ragged"
                    except ssl.SSLError as e:
                        return "failed after handshake: %s data=%r" % (e.reason, data)
                    return "%s %s reply=%r end=%s" % (tls.version(), tls.cipher()[0], data.decode().strip(), ending)
            except ssl.SSLError as e:
                return "failed: %s" % e.reason

    def run_gnutls(self, port, suite, cert):
        args = ["gnutls-cli", "--port", str(port), "--sni-hostname", "localhost",
                "--verify-hostname", "localhost", "--x509cafile", str(self.d / "ca.pem"),
                "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3", SERVER_HOST]
        args += self.cert_args(cert, "--x509certfile", "--x509keyfile")
        # gnutls-cli ends the connection at the end of its input: keep stdin open until it
        # exits (the server closed), with a timer as the bound.
        p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        timer = threading.Timer(40, p.kill)
        timer.start()
        try:
            p.stdin.write(b"PING gnutls\n")
            p.stdin.flush()
            out = p.stdout.read().decode("utf-8", "replace")
            p.wait()
        finally:
            timer.cancel()
            p.stdin.close()
        d = re.search(r"Description: \((TLS1\.3)-X\.509\)-\((ECDHE-[A-Z0-9]+)\)-\(([A-Z0-9-]+)\)-\(([A-Z0-9-]+)\)", out)
        reply = re.search(r"^(pong .*)$", out, re.M)
        if not d:
            a = re.search(r"(Error .*|\*\*\* Fatal error: .*)", out)
            return "failed: " + (a.group(1).strip() if a else "exit %d" % p.returncode)
        return "%s %s %s %s reply=%r" % (d.group(1), d.group(2), d.group(3), d.group(4),
                                         reply.group(1) if reply else None)

    def run_garbage(self, port, suite, cert):
        with socket.create_connection((SERVER_HOST, port), timeout=30) as raw:
            raw.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
            data = b""
            try:
                while len(data) < 64:
                    chunk = raw.recv(64)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            return "answer " + data[:16].hex()


# TLS 1.3 cipher suites (IANA names) that get a server of their own (SUITE_PORTS).
SUITES = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")


class Servers:
    def __init__(self, cert_dir):
        self.procs = []
        self.cert_dir = cert_dir
        leaf = ["-cert", str(cert_dir / "server.pem"), "-key", str(cert_dir / "server.key")]
        self.tls_port = self.start_s_server(leaf)
        self.suite_ports = {name: self.start_s_server(leaf + ["-ciphersuites", name])
                            for name in SUITES}
        # A valid chain but for its dates (the leaf expired in 2021).
        chains = cert_dir.parent / "chains"
        subprocess.run(["sh", str(ROOT / "tests" / "certs" / "make-chains.sh"), str(chains)], check=True)
        self.expired_ca = chains / "p256-root.der"
        self.expired_tls_port = self.start_s_server(
            ["-cert", str(chains / "bad-expired.pem"), "-key", str(chains / "bad-expired.key"),
             "-cert_chain", str(chains / "p256-int.pem")])
        self.mtls_port = self.start_s_server(
            leaf + ["-Verify", "1", "-verify_return_error", "-CAfile", str(cert_dir / "client-ca.pem")])
        # PSK only: no certificate at all.
        self.psk_port = self.start_s_server(
            ["-psk", PSK_KEY.hex(), "-psk_identity", PSK_ID.decode(), "-nocert"])
        self.py_tls = PyTlsServer(cert_dir)
        self.clients = TlsClients(cert_dir)
        http = listen_socket()
        serve_forever(http, http_handler)
        self.http_port = http.getsockname()[1]
        close = listen_socket()
        serve_forever(close, close_handler)
        self.close_port = close.getsockname()[1]
        self.hostile_port = self.start_hostile(cert_dir)
        # The process of the host script running now (SIGINT target of INTERRUPT_PORT).
        self.interrupt_pid = None
        interrupt = listen_socket()
        serve_forever(interrupt, self.interrupt_handler)
        self.interrupt_port = interrupt.getsockname()[1]

    def interrupt_handler(self, conn):
        """Reads the ClientHello, stays silent, then sends SIGINT to the script under test;
        keeps the connection until the client closes it."""
        with conn:
            conn.settimeout(10)
            try:
                hdr = recv_exact(conn, 5)
                if len(hdr) == 5:
                    recv_exact(conn, int.from_bytes(hdr[3:5], "big"))
                time.sleep(0.2)
                if self.interrupt_pid:
                    os.kill(self.interrupt_pid, signal.SIGINT)
                while conn.recv(4096):
                    pass
            except OSError:
                pass

    def start_s_server(self, args):
        """An `openssl s_server -tls1_3 -www` on a free port; `args`: its credentials and options."""
        port = free_port()
        proc = subprocess.Popen(
            ["openssl", "s_server", "-tls1_3", "-www", "-quiet",
             "-accept", f"{SERVER_HOST}:{port}"] + args,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(proc)
        wait_port(port, proc)
        return port

    def start_hostile(self, cert_dir):
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "hostile" / "tls13_peer.py"), "--certs", str(cert_dir)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.procs.append(proc)
        line = proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            raise SystemExit("tests/hostile/tls13_peer.py did not start (python3 with the "
                             "cryptography package: make deps)")
        return int(line.split()[1])

    def preamble(self, script=None):
        """The generated header. For a `script` (its source), only the constants it or the
        support code names: the emulated board compiles the preamble on its small heap, and
        every unused certificate there fragments it (tls_clientcert ran out of heap)."""
        ca_der = (self.cert_dir / "ca.der").read_bytes()
        other_der = (self.cert_dir / "other-ca.der").read_bytes()
        ca_pem = (self.cert_dir / "ca.pem").read_text()
        # The leaf s_server presents (first block of server.pem), for getpeercert checks.
        server_der = ssl.PEM_cert_to_DER_cert((self.cert_dir / "server.pem").read_text())
        lines = [
            "# ---- generated by tests/run-micropython-tests.py ----",
            f"HOST = {SERVER_HOST!r}",
            "SERVER_NAME = 'localhost'",
            f"HOST_TIME = {int(time.time())}",
            f"TLS_PORT = {self.tls_port}",
            f"SUITE_PORTS = {self.suite_ports!r}",
            f"PY_TLS_PORT = {self.py_tls.port}",
            f"HTTP_PORT = {self.http_port}",
            f"CLOSE_PORT = {self.close_port}",
            f"HOSTILE_PORT = {self.hostile_port}",
            f"INTERRUPT_PORT = {self.interrupt_port}",
            f"EXPIRED_TLS_PORT = {self.expired_tls_port}",
            f"EXPIRED_CA_DER = {self.expired_ca.read_bytes()!r}",
            f"CA_DER = {ca_der!r}",
            f"OTHER_CA_DER = {other_der!r}",
            f"CA_PEM = {ca_pem!r}",
            f"SERVER_DER = {server_der!r}",
            f"MTLS_PORT = {self.mtls_port}",
            f"PSK_PORT = {self.psk_port}",
            f"PSK_ID = {PSK_ID!r}",
            f"PSK_KEY = {PSK_KEY!r}",
            f"CLIENT_CTL_PORT = {self.clients.port}",
            f"SERVE_PORT = {free_port()}",
            f"SERVER_CERT_PEM = {(self.cert_dir / 'server.pem').read_text()!r}",
            f"SERVER_KEY_PEM = {(self.cert_dir / 'server.key').read_text()!r}",
            f"CLIENT_CA_PEM = {(self.cert_dir / 'client-ca.pem').read_text()!r}",
            *self.client_lines(),
        ]
        if script is not None:
            used = script + SUPPORT.read_text()
            lines = [l for l in lines if l.startswith("#") or re.search(r"\b%s\b" % l.split(" = ")[0], used)]
        return "\n".join(lines + [SUPPORT.read_text(), "# ---- end of generated part ----", ""])

    def client_lines(self):
        d = self.cert_dir
        text = lambda n: (d / n).read_text()
        return [
            f"CLIENT_CERT_PEM = {text('client.pem')!r}",
            f"CLIENT_KEY_PEM = {text('client.key')!r}",
            f"CLIENT_CERT_DER = {(d / 'client.der').read_bytes()!r}",
            f"CLIENT_KEY_SEC1_DER = {(d / 'client-sec1.der').read_bytes()!r}",
            f"CLIENT_CHAIN_PEM = {text('client-chain.pem')!r}",
            f"CLIENT_CHAIN_KEY_PEM = {text('client-chain.key')!r}",
            f"ROGUE_CERT_PEM = {text('rogue-client.pem')!r}",
            f"ROGUE_KEY_PEM = {text('rogue-client.key')!r}",
            f"CLIENT_RSA_KEY_PEM = {text('client-rsa.key')!r}",
        ]

    def stop(self):
        for p in self.procs:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()


# ---------------------------------------------------------------- running

def run_host(binary, script, timeout, servers):
    with subprocess.Popen([str(binary), str(script)], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as proc:
        servers.interrupt_pid = proc.pid
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as e:
            proc.kill()
            e.stdout = proc.communicate()[0]
            raise
        finally:
            servers.interrupt_pid = None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out)


def run_board(launcher, script, timeout, extra):
    return subprocess.run([sys.executable, str(launcher), "--script", str(script), *extra],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout)


def run_pyboard(pyboard, launcher, script, timeout, extra, serial_device=None):
    for a in extra:
        if any(c.isspace() for c in a):
            raise SystemExit(f"launcher argument {a!r}: pyboard.py splits execpty: commands on spaces")
    device = serial_device or "execpty:" + " ".join([sys.executable, str(launcher), "--pty", *extra])
    # pyboard.py starts the launcher in its own session and stops it with SIGTERM when done;
    # if pyboard.py itself is killed (timeout), the launcher notices its parent is gone and exits.
    return subprocess.run([sys.executable, str(pyboard), "--device", device, str(script)],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout)


def default_pyboard(build):
    try:
        mpy = subprocess.run(["bash", str(ROOT / "micropython-port" / "tools" / "fetch-micropython.sh"), str(build)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
    except OSError:
        mpy = ""
    return Path(mpy) / "tools" / "pyboard.py" if mpy else None


def exp_path(test, target):
    """NAME.<target>.exp if the test has one, else NAME.exp."""
    specific = TEST_DIR / f"{test.stem}.{target}.exp"
    return specific if specific.exists() else TEST_DIR / (test.stem + ".exp")


def normalise(data):
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", choices=["host", "board"], default="host")
    ap.add_argument("--micropython", default=str(ROOT / "build" / "host" / "micropython"),
                    help="host port binary (--target host)")
    ap.add_argument("--launcher", default=str(ROOT / "boards" / "qemu_lx106" / "run.py"),
                    help="board launcher, called as LAUNCHER --script FILE (--target board)")
    ap.add_argument("--launcher-arg", action="append", default=[],
                    help="extra argument for the board launcher (repeatable)")
    ap.add_argument("--transport", choices=["launcher", "pyboard"], default="launcher",
                    help="board: LAUNCHER --script FILE (default), or pyboard.py execpty:\"LAUNCHER --pty\"")
    ap.add_argument("--pyboard", default=None,
                    help="MicroPython's tools/pyboard.py (--transport pyboard; default: from the fetched source)")
    ap.add_argument("--device", default=None,
                    help="--transport pyboard: a real board's serial port instead of the launcher's pty")
    ap.add_argument("--server-host", default=None,
                    help="address the test servers listen on and scripts connect to (default 127.0.0.1)")
    ap.add_argument("--build", default=str(ROOT / "build"), help="build directory (certs, temp files)")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per test")
    ap.add_argument("--write-exp", action="store_true",
                    help="store each test's output as its new .exp (review the diff before keeping it)")
    ap.add_argument("-v", "--verbose", action="store_true", help="show the output of every test")
    ap.add_argument("tests", nargs="*", help="test names (default: every tests/micropython/*.py)")
    args = ap.parse_args()

    build = Path(args.build).resolve()
    global SERVER_HOST
    if args.server_host:
        SERVER_HOST = args.server_host
    if args.target == "host":
        binary = Path(args.micropython).resolve()
        if not binary.exists():
            raise SystemExit(f"{binary} does not exist (make host)")
        timeout = args.timeout or 60
    else:
        launcher = Path(args.launcher).resolve()
        if not launcher.exists():
            raise SystemExit(f"board launcher {launcher} does not exist (make board)")
        timeout = args.timeout or 900
        if args.transport == "pyboard":
            pyboard = Path(args.pyboard).resolve() if args.pyboard else default_pyboard(build)
            if pyboard is None or not pyboard.exists():
                raise SystemExit(f"--transport pyboard: no pyboard.py ({pyboard}); give --pyboard PATH")
            try:
                import serial  # noqa: F401  (pyboard.py's execpty: opens the pty with pyserial)
            except ImportError:
                raise SystemExit("--transport pyboard needs pyserial (pip install pyserial; make deps)")

    if args.tests:
        tests = [TEST_DIR / (t if t.endswith(".py") else t + ".py") for t in args.tests]
    else:
        tests = sorted(TEST_DIR.glob("*.py"))
    if not args.write_exp:
        missing = [t for t in tests if not exp_path(t, args.target).exists()]
        for t in missing:
            log(f"SKIP {t.stem} (no .exp)")
        tests = [t for t in tests if t not in missing]

    cert_dir = ensure_certs(build / "certs")
    servers = Servers(cert_dir)
    work = build / "tests-micropython"
    work.mkdir(parents=True, exist_ok=True)
    preamble = servers.preamble()
    (work / "tls_test_config.py").write_text(preamble)

    passed = failed = 0
    try:
        for test in tests:
            exp_file = exp_path(test, args.target)
            exp = exp_file.read_text() if exp_file.exists() else ""
            script = work / test.name
            src = test.read_text()
            head = servers.preamble(src)
            script.write_text(head + src)
            start = time.monotonic()
            try:
                if args.target == "host":
                    res = run_host(binary, script, timeout, servers)
                elif args.transport == "pyboard":
                    res = run_pyboard(pyboard, launcher, script, timeout, args.launcher_arg, args.device)
                else:
                    res = run_board(launcher, script, timeout, args.launcher_arg)
                out = normalise(res.stdout)
                status = res.returncode
            except subprocess.TimeoutExpired as e:
                out = normalise(e.stdout or b"") + f"\n<timeout after {timeout:.0f} s>\n"
                status = None
            secs = time.monotonic() - start
            if args.write_exp and status == 0:
                exp_file.write_text(out)
                exp = out
            ok = out == exp and status == 0
            if ok:
                passed += 1
                log(f"PASS {test.stem}{'' if exp_file.name == test.stem + '.exp' else ' (' + exp_file.name + ')'} ({secs:.1f} s)")
            else:
                failed += 1
                log(f"FAIL {test.stem} ({secs:.1f} s, exit status {status})")
                diff = difflib.unified_diff(exp.splitlines(), out.splitlines(),
                                            "expected", "got", lineterm="")
                for line in list(diff)[:60]:
                    log("    " + line)
            if args.verbose:
                log(out)
    finally:
        servers.stop()

    log(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not tests else 0)


if __name__ == "__main__":
    main()
