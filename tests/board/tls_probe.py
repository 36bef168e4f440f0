#!/usr/bin/env python3
"""TLS on the emulated ESP8266: instructions, stacks and heap per handshake (manual probe).

Starts `openssl s_server -tls1_3 -www` on 127.0.0.1 with build/certs (tests/certs/make-certs.sh),
then runs on the board: one GET without verification and one with CERT_REQUIRED (CA given),
printing instructions (CCOUNT x 25), the interpreter's C stack peak, the TLS engine stack peak
(the engine runs on its own stack, micropython-port/lx106/engine_stack.c) and the heap one
connection takes. The board's firmware refuses verification (its engine stack cannot hold the
verifier); to measure the verifier's need, build with it allowed and run this probe on that:
  make board LX106_VERIFY_MEASURE=1   (then `make board` again for the normal firmware)
The verified handshake runs with the stack guard off, so the engine stack may grow into the
painted zone below it (QEMU only) and engine_stack_peak() measures how deep.

  python3 tests/board/tls_probe.py [--firmware build/lx106/firmware.elf] [--certs build/certs]
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "bench"))
from bench import run_with_server  # noqa: E402

BOARD_SCRIPT = r'''
import gc, socket, ussl, lx106
def get(verify):
    s = socket.socket()
    s.connect(socket.getaddrinfo("127.0.0.1", PORT)[0][-1])
    gc.collect()
    free0 = gc.mem_free()
    lx106.stack_reset()
    lx106.engine_stack_reset()
    c0 = lx106.ccount()
    try:
        if verify:
            ss = ussl.wrap_socket(s, server_hostname="localhost", cadata=CA, cert_reqs=ussl.CERT_REQUIRED)
        else:
            ss = ussl.wrap_socket(s, server_hostname="localhost")
    except OSError as e:
        print("verify=%-5s refused: %r" % (verify, e))
        s.close()
        return
    gc.collect()
    conn = free0 - gc.mem_free()
    ss.write(b"GET / HTTP/1.0\r\n\r\n")
    line = ss.readline()
    c1 = lx106.ccount()
    ss.close()
    gc.collect()
    print("verify=%-5s %r instructions %d (handshake + GET), C stack peak %d, engine stack peak %d of %d bytes (%d engine calls), heap per connection %d, heap free after close %d"
          % (verify, line, (c1 - c0) * 25, lx106.stack_peak(), lx106.engine_stack_peak(), lx106.ENGINE_STACK_SIZE,
             lx106.engine_stack_calls(), conn, gc.mem_free()))
gc.collect()
print("heap free before connecting:", gc.mem_free())
get(False)
lx106.stack_guard(False)
get(True)
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmware", default=os.path.join(REPO, "build", "lx106", "firmware.elf"))
    ap.add_argument("--certs", default=os.path.join(REPO, "build", "certs"))
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.certs, "server.pem")):
        print("no certificates in %s (tests/certs/make-certs.sh)" % args.certs)
        return 1
    return run_with_server(args.firmware, args.certs, BOARD_SCRIPT, ["--stats"], capture=False).returncode


if __name__ == "__main__":
    sys.exit(main())
