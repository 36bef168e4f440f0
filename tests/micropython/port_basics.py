# What the ussl tests rely on from a port: builtins, gc, time, errno, sys, socket constants.
import errno
import gc
import socket
import sys
import time

print(b"abc".hex(), bytes.fromhex("4142"), bytearray(b"xy") + b"z", b"a,b".split(b","))
print("Hi".upper(), " x ".strip(), "%d-%s" % (5, "x"), "{}:{}".format("a", 1), "abc".encode())
print(b"GET / HTTP/1.0\r\n".startswith(b"GET"), b"key: v\r\n".find(b":"), "x" in "xyz")
mv = memoryview(bytearray(8))
mv[2:4] = b"ab"
print(bytes(mv))

gc.collect()
print("gc:", gc.mem_free() > 10000, gc.mem_alloc() > 0)

t0 = time.ticks_ms()
time.sleep_ms(30)
dt = time.ticks_diff(time.ticks_ms(), t0)
print("sleep_ms(30):", 25 <= dt < 2000)
print("ticks_diff wraps:", time.ticks_diff(1, 0), time.ticks_diff(0, 1))
print(type(time.time()) in (int, float))

print("errno:", errno.EAGAIN != errno.ETIMEDOUT != errno.ECONNRESET, errno.errorcode[errno.EAGAIN])
print(isinstance(sys.argv, list), callable(sys.exit))
sys.stdout.write("stdout.write\n")
try:
    raise ValueError("shown")
except ValueError as e:
    print("print_exception:", callable(sys.print_exception))

print(socket.AF_INET > 0, socket.SOCK_STREAM > 0, socket.SOL_SOCKET > 0, socket.SO_REUSEADDR > 0)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.close()
print("OSError(EAGAIN):", OSError(errno.EAGAIN).errno == errno.EAGAIN)
try:
    import ussl
    print("ussl:", hasattr(ussl, "wrap_socket"))
except ImportError:
    print("ussl: missing")
