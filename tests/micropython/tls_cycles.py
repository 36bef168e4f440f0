# Memory: 200 connect / handshake / close cycles against openssl s_server (TLS_PORT) leave
# gc.mem_free() where it was after the first one (engine state and record buffers come from
# the MicroPython heap and go back to it on close; nothing accumulates per connection).
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import gc
import socket
import ussl

CYCLES = 200


def cycle():
    ss = ussl.wrap_socket(tcp(TLS_PORT), server_hostname=SERVER_NAME)
    ok = ss.cipher() is not None
    ss.close()
    return ok


def run():
    # Locals only: new globals after the baseline would grow the module's dict.
    cycle()  # the first connection may intern names or grow interpreter tables for good
    gc.collect()
    base = gc.mem_free()
    during = 0
    ok = 0
    for i in range(CYCLES):
        if cycle():
            ok += 1
        if i == CYCLES // 2:
            during = gc.mem_free()  # not collected: the connections did use the heap
    gc.collect()
    after = gc.mem_free()
    return ok, base, during, after


ok, base, during, after = run()
print("handshakes:", ok, "of", CYCLES)
print("heap used between collections:", base - during > 0)
# A leak shows as less free memory: one GC block (16 B) per connection is 3,200 B here.
# The GC scans conservatively, so a stale word on the C stack can keep a block or two alive
# at either collection (seen: 160 B under the sanitizer build): 1 KiB of slack, far below
# the smallest per-connection leak.
SLACK = 1024
print("mem_free back at its baseline:", after >= base - SLACK)
if after < base - SLACK:
    print("baseline", base, "after", after)
