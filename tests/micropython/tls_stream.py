# Stream behaviour: bulk data across many records both ways, read(n)/readinto/readline,
# plaintext write sizes, and heap use (engine buffers are freed on close).
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import gc
import socket
import ussl


def connect():
    return ussl.wrap_socket(tcp(PY_TLS_PORT), server_hostname=SERVER_NAME)


# Server -> client: 40000 bytes (several TLS records), read in odd-sized pieces.
ss = connect()
ss.write(b"DATA d1 40000\n")
got = 0
ok = True
buf = bytearray(777)
mv = memoryview(buf)
while got < 40000:
    if got % 2:
        chunk = ss.read(min(1000, 40000 - got))
        n = len(chunk)
        ok = ok and pattern_ok(chunk, got)
    else:
        n = ss.readinto(mv[: min(777, 40000 - got)])
        ok = ok and pattern_ok(buf[:n], got)
    if not n:
        break
    got += n
print("received", got, "pattern ok:", ok)
ss.close()

# Client -> server: 20000 bytes streamed from one 4000-byte block in five writes that each
# span several records (a 38 KiB heap cannot hold 20000 bytes next to a connection), then
# 3000 bytes in many small writes.
block = bytes((i * 7) & 0xFF for i in range(4000))
ss = connect()
ss.write(b"SINK s1 20000\n")
total = 0
for i in range(5):
    total += ss.write(block)
print("written", total)
print(ss.readline(), "expected", sum(block) * 5 % 65536)
ss.close()
ss = connect()
ss.write(b"SINK s2 3000\n")
total = 0
for i in range(0, 3000, 100):
    total += ss.write(block[i : i + 100])
print("written", total)
print(ss.readline(), "expected", sum(block[:3000]) % 65536)
ss.close()

# read(n) returns exactly n bytes (or fewer at EOF); read() reads to EOF.
ss = connect()
ss.write(b"ECHO r1 abcdefghij\n")
print(ss.read(5), ss.read(3), ss.readline())
ss.close()

# Heap: a TLS connection costs its engine + record buffers, and close() gives them back.
gc.collect()
free0 = gc.mem_free()
ss = connect()
gc.collect()
used = free0 - gc.mem_free()
print("connection uses heap:", used > 2048)
ss.write(b"ECHO m1 mem\n")
print(ss.readline())
ss.close()
gc.collect()
print("freed on close:", gc.mem_free() >= free0 - 512)
for i in range(5):
    ss = connect()
    ss.write(b"ECHO m2 again\n")
    ss.readline()
    ss.close()
gc.collect()
print("no leak over 5 connections:", gc.mem_free() >= free0 - 512)
