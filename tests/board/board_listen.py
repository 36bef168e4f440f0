# Runs on the emulated ESP8266; LPORT is prepended by tests/board/smoke.py, whose host thread
# connects to it, sends a line and expects it back upper-cased.
import errno
import select
import socket

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(socket.getaddrinfo("0.0.0.0", LPORT)[0][-1])
s.listen(1)

t = socket.socket()
try:
    t.bind(("127.0.0.1", LPORT))
    t.listen(1)
    print("in_use False")
except OSError as e:
    print("in_use", e.errno == errno.EADDRINUSE)
t.close()

q = socket.socket()
q.bind(("127.0.0.1", 0))
q.listen()
q.setblocking(False)
try:
    q.accept()
    print("nonblocking_accept no error")
except OSError as e:
    print("nonblocking_accept", e.errno == errno.EAGAIN)
q.close()
try:
    q.accept()
except OSError as e:
    print("closed_accept", e.errno == errno.EBADF)

p = select.poll()
p.register(s, select.POLLIN)
print("poll_ready", len(p.poll(60000)) == 1)
c, addr = s.accept()
print("accepted", addr[0], type(addr[1]) is int)
line = c.readline()
c.write(line.upper())
c.close()
s.close()
print("served", line)
