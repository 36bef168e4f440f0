# select.poll on plain sockets (and a custom stream), in the image of MicroPython's
# tests/extmod/select_poll_basic.py and select_poll_custom.py, against the runner's plain
# TCP server (HTTP_PORT: waits for a request, answers, shuts its side down).
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import errno
import io
import select
import socket
import time

print(select.POLLIN, select.POLLOUT, select.POLLERR, select.POLLHUP)

# Registration rules.
poller = select.poll()
s = socket.socket()
poller.register(s)
poller.register(s)  # registering twice = once
try:
    poller.modify(s)
except TypeError:
    print("modify: TypeError")
poller.modify(s, select.POLLIN)
poller.unregister(s)
poller.unregister(s)  # unknown: ignored
try:
    poller.modify(s, select.POLLIN)
except OSError as e:
    print("modify unregistered:", e.errno == errno.ENOENT)
try:
    poller.register(42)  # not a stream (upstream's unix port takes ints as fds; boards do not)
except OSError:
    print("register(int): OSError")
poller.register(s)
s.close()
res = poller.poll(0)
print("closed socket:", len(res), res[0][0] is s, res[0][1])
poller.unregister(s)

# A connected socket: writable at once; readable only once the server answered.
s = tcp(HTTP_PORT)
poller = select.poll()
poller.register(s, select.POLLOUT)
res = poller.poll(0)
print("writable:", len(res), res[0][0] is s, res[0][1])
poller.modify(s, select.POLLIN)
t0 = time.ticks_ms()
print("nothing to read yet:", poller.poll(150))
print("poll(150) waited:", time.ticks_diff(time.ticks_ms(), t0) >= 150)
s.write(b"GET / HTTP/1.0\r\n\r\n")
res = poller.poll(10000)
print("readable after the reply:", len(res), res[0][1] & select.POLLIN)
print(s.readline())
data = s.read()
print("rest then EOF:", len(data) > 0, s.read(1))
# At EOF the socket stays readable (a read returns b'' at once).
print("readable at EOF:", poller.poll(0)[0][1] & select.POLLIN)

# A non-blocking connect: EINPROGRESS, then POLLOUT once connected (what asyncio relies on).
c = socket.socket()
c.setblocking(False)
try:
    c.connect(socket.getaddrinfo(HOST, HTTP_PORT)[0][-1])
    print("connected at once")
except OSError as e:
    print("non-blocking connect:", e.errno == errno.EINPROGRESS)
cp = select.poll()
cp.register(c, select.POLLOUT)
print("connected:", [ev for _, ev in cp.poll(10000)])
c.close()

# ipoll with the one-shot flag: a reported object is not polled again until modify().
poller.modify(s, select.POLLIN)
n = 0
for obj, ev in poller.ipoll(0, 1):
    n += 1
    print("ipoll:", obj is s, ev & select.POLLIN)
print("ipoll results:", n)
print("disarmed:", [ev & (select.POLLIN | select.POLLOUT) for _, ev in poller.poll(0)])
poller.modify(s, select.POLLIN)
print("re-armed:", [ev & select.POLLIN for _, ev in poller.ipoll(0)])
s.close()
print("after close:", [ev for _, ev in poller.poll(0)])


# Custom pollable objects implemented in Python (io.IOBase with ioctl).
class Pollable(io.IOBase):
    def __init__(self):
        self.state = 0

    def ioctl(self, req, arg):
        if req == 3:  # MP_STREAM_POLL
            if self.state == "delay":
                self.state = select.POLLIN
                return 0
            if self.state < 0:
                return self.state
            return self.state & arg
        return -1


x = Pollable()
poller = select.poll()
poller.register(x, select.POLLIN)
print("custom idle:", poller.poll(0))
x.state = select.POLLOUT
print("custom not asked:", poller.poll(0))
x.state = select.POLLIN
print("custom ready:", [(o is x, ev) for o, ev in poller.poll(0)])
x.state = "delay"
print("custom ready later:", [(o is x, ev) for o, ev in poller.poll(1000)])
x.state = -errno.EIO
try:
    poller.poll(0)
except OSError as e:
    print("custom error:", e.errno == errno.EIO)
x.state = select.POLLIN

# Unregistering inside an ipoll iteration (asyncio does): the other ready objects still come.
y, z = Pollable(), Pollable()
y.state = z.state = select.POLLIN
poller.register(y, select.POLLIN)
poller.register(z, select.POLLIN)
seen = []
for o, ev in poller.ipoll(0):
    seen.append("x" if o is x else "y" if o is y else "z")
    if o is x:
        poller.unregister(x)
print("ipoll with unregister:", seen)
poller.unregister(y)
poller.unregister(z)
print("empty poller:", poller.poll(0))
