# The garbage collector in the middle of a handshake: a verified, non-blocking handshake where,
# between every step, gc.collect() runs and then every free block of the heap is taken and
# filled with 0xA5. Engine state and record buffers live in the GC heap, reachable only from
# the socket object; if the GC could not see one of them, it would be freed, overwritten here,
# and the handshake (or the GET after it) would fail. Afterwards the heap returns to its
# baseline.
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import gc
import ussl


def fill_heap():
    # Take every free block (down to 16 bytes), write a pattern into it, let it go again.
    blocks = []
    size = 1024
    while size >= 16:
        try:
            blocks.append(b"\xa5" * size)
        except MemoryError:
            size //= 2
    n = len(blocks)
    blocks = None
    return n


def handshake_under_gc():
    ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=CA_DER)
    raw = tcp(TLS_PORT)
    raw.setblocking(False)
    ss = ctx.wrap_socket(raw, server_hostname=SERVER_NAME, do_handshake_on_connect=False)
    ctx = None
    # The engine and its buffers exist from wrap_socket on: collect and refill once before the
    # first step too (a fast peer can let the handshake finish in one do_handshake call).
    gc.collect()
    filled = fill_heap()
    steps = 0
    while not ss.do_handshake():
        steps += 1
        gc.collect()
        filled += fill_heap()
        if steps > 20000:
            print("handshake did not finish")
            break
    gc.collect()
    filled += fill_heap()
    ss.setblocking(True)
    ss.write(b"GET / HTTP/1.0\r\n\r\n")
    gc.collect()
    fill_heap()
    line = ss.readline()
    ss.close()
    return filled > 0, line


def run():
    handshake_under_gc()  # the first connection may grow interpreter tables for good
    gc.collect()
    base = gc.mem_free()
    # Only small ints are kept across rounds, so whatever is left allocated is the engine's.
    good = 0
    for _ in range(3):
        filled, line = handshake_under_gc()
        if filled and line.startswith(b"HTTP/1.0 200"):
            good += 1
        filled = line = None
    gc.collect()
    return good, gc.mem_free() - base


good, delta = run()
print("verified handshakes + GET with the heap refilled between steps:", good, "of 3")
# A leak shows as less free memory; the conservative GC may find a little more.
print("heap back to baseline:", delta >= -64, delta if delta < -64 else "")
