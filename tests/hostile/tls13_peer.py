#!/usr/bin/env python3
"""A scriptable hostile TLS 1.3 server for the engine's robustness tests (issue 7).

  tests/hostile/tls13_peer.py --certs DIR [--port N] [--default SCENARIO] [--list] [-v]

Listens on 127.0.0.1 (port 0: a free one), prints "PORT <n>" on stdout and serves until it is
killed (or, with --exit-with-stdin, until its stdin closes: it dies with the test process that
started it).

Each connection picks its scenario with a line sent before the ClientHello: "<name>\\n".
A connection that starts with a TLS record instead (first byte 0x16: a stock TLS client such
as `openssl s_client` or Python's ssl) gets --default (honest). Scenarios: scenarios.py.
The server needs the `cryptography` package and server.pem/server.key from
tests/certs/make-certs.sh.
"""
import argparse
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scenarios import SCENARIOS  # noqa: E402
from tls13 import Credentials, PeerClosed, ServerConn  # noqa: E402


def read_scenario(sock, default):
    first = sock.recv(1, socket.MSG_PEEK)
    if not first:
        return None
    if first == b"\x16":
        return default
    line = b""
    while not line.endswith(b"\n") and len(line) < 100:
        ch = sock.recv(1)
        if not ch:
            return None
        line += ch
    return line.strip().decode("ascii", "replace")


def handle(sock, creds, default, verbose):
    sock.settimeout(60)
    name = "?"
    try:
        name = read_scenario(sock, default)
        if name is None:
            return
        run = SCENARIOS.get(name)
        if run is None:
            sock.sendall(b"unknown scenario\n")
            return
        run(ServerConn(sock, creds))
        outcome = "completed"
    except PeerClosed as e:
        outcome = "peer: %s" % e
    except Exception as e:  # a broken client must not kill the server
        outcome = "%s: %s" % (type(e).__name__, e)
    finally:
        try:
            sock.close()
        except OSError:
            pass
    if verbose:
        print("%s: %s" % (name, outcome), file=sys.stderr, flush=True)


def exit_on_stdin_eof():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except OSError:
        pass
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--certs", help="directory with server.pem and server.key")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--default", default="honest", help="scenario for connections without a name line")
    ap.add_argument("--list", action="store_true", help="print the scenario names and exit")
    ap.add_argument("--exit-with-stdin", action="store_true", help="exit when stdin reaches EOF")
    ap.add_argument("-v", "--verbose", action="store_true", help="log each connection's end on stderr")
    args = ap.parse_args()
    if args.list:
        print("\n".join(SCENARIOS))
        return
    if not args.certs:
        ap.error("--certs is required")
    if args.default not in SCENARIOS:
        ap.error("unknown scenario %r" % args.default)
    creds = Credentials(args.certs)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(64)
    print("PORT %d" % listener.getsockname()[1], flush=True)
    if args.exit_with_stdin:
        threading.Thread(target=exit_on_stdin_eof, daemon=True).start()
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn, creds, args.default, args.verbose), daemon=True).start()


if __name__ == "__main__":
    main()
