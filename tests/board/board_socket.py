# Runs on the emulated ESP8266; PORT is prepended by tests/board/smoke.py (local echo server).
import errno
import socket

ai = socket.getaddrinfo("localhost", PORT)
print("gai", ai[0][-1])
s = socket.socket()
s.connect(ai[0][-1])
s.send(b"hello\n")
print("recv", s.recv(100))
s.write(b"line one\nline two\n")
print("readline", s.readline())
buf = bytearray(9)
n = s.readinto(buf)
print("readinto", n, bytes(buf))
s.sendall(b"x" * 10000)
got = b""
while len(got) < 10000:
    got += s.read(10000 - len(got))
print("bulk", len(got), got == b"x" * 10000)
s.setblocking(False)
try:
    s.recv(10)
    print("nonblocking: no error")
except OSError as e:
    print("nonblocking", e.errno == errno.EAGAIN)
s.setblocking(True)
s.close()
try:
    s.send(b"x")
except OSError as e:
    print("closed", e.errno == errno.EBADF)
try:
    socket.socket().connect(("127.0.0.1", 1))
except OSError as e:
    print("refused", e.errno == errno.ECONNREFUSED)
