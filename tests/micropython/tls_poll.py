# select.poll on TLS sockets, in the image of MicroPython's tests/extmod/ssl_poll.py but
# against real peers: the handshake driven by poll on a non-blocking socket, reads guided by
# poll, and the classic TLS-poll bug: one large record, a small read, the rest of the record
# decrypted inside the engine while the TCP socket has nothing left. poll must still say
# POLLIN (asking the TCP socket alone would say nothing and a poll loop would hang).
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import select
import socket
import ussl

RD, WR, ERR, HUP = select.POLLIN, select.POLLOUT, select.POLLERR, select.POLLHUP


def events(poller, timeout):
    return [ev for _, ev in poller.poll(timeout)]


# ---- handshake on a non-blocking socket, driven by poll
raw = tcp(PY_TLS_PORT)
raw.setblocking(False)
ss = ussl.wrap_socket(raw, server_hostname=SERVER_NAME, do_handshake=False)
p = select.poll()
p.register(ss, RD | WR)
while not ss.do_handshake():
    res = p.poll(10000)
    if not res:
        print("poll timed out during the handshake")
        break
# (how many rounds depends on timing: on the emulated board the server's reply may already be
# there when the first call wants it)
print("handshake done:", "connected" in repr(ss))

# Writable now; readable perhaps (NewSessionTicket records, no data: a read gives None).
print("idle: writable", events(p, 0)[0] & WR)

# ---- one 3000-byte record, read 10 bytes at a time
ss.write(b"DATA p1 3000\n")
p.modify(ss, RD)
# POLLIN may come first for records without data (NewSessionTicket): read gives None then.
first = None
for _ in range(200):
    res = p.poll(10000)
    if not res:
        print("poll timed out waiting for data")
        break
    first = ss.read(10)
    if first is not None:
        break
print("readable:", len(res), res[0][0] is ss, res[0][1] & RD)
print("first read:", len(first), pattern_ok(first, 0))
# The rest of the record is inside the engine; the TCP socket holds nothing more.
q = select.poll()
q.register(raw, RD)
print("TCP socket readable:", events(q, 0))
print("TLS socket readable:", events(p, 0))
n = len(first)
data_ok = True
polls_ok = True
while n < 3000:
    if events(p, 0) != [RD]:
        polls_ok = False
    chunk = ss.read(256)
    if not chunk:
        break
    data_ok = data_ok and pattern_ok(chunk, n)
    n += len(chunk)
print("rest read with poll saying POLLIN each time:", polls_ok, n, data_ok)
print("all read, nothing pending:", events(p, 0), ss.read(16))

# ipoll's one-shot flag on a TLS socket.
p.modify(ss, WR)
print("ipoll one-shot:", [ev for _, ev in p.ipoll(0, 1)], "then:", events(p, 0))
ss.setblocking(True)
ss.close()
print("closed:", events(p, 0))
p.unregister(ss)
q.unregister(raw)

# ---- the server's close_notify: reads end (b''), poll reports POLLIN|POLLHUP from then on
ss = ussl.wrap_socket(tcp(PY_TLS_PORT), server_hostname=SERVER_NAME)
ss.setblocking(False)
p.register(ss, RD)
ss.write(b"BYE p2\n")
line = b""
reads = []
for _ in range(200):
    if not p.poll(10000):
        print("poll timed out waiting for the reply")
        break
    d = ss.read(64)
    if d is None:
        continue
    if d == b"":
        reads.append(d)
        break
    line += d
print("reply:", line, "then", reads)
print("after close_notify:", events(p, 0), ss.read(16), ss.read(16))
ss.close()
p.unregister(ss)

# ---- a failed connection: poll reports POLLERR, the next call raises
raw = tcp(HTTP_PORT)  # plain HTTP, not TLS
raw.setblocking(False)
ss = ussl.wrap_socket(raw, server_hostname=SERVER_NAME, do_handshake=False)
p.register(ss, RD | WR)
err = None
for _ in range(200):
    try:
        if ss.do_handshake():
            break
    except OSError as e:
        err = e
        break
    p.poll(10000)
print("handshake with a non-TLS peer:", type(err).__name__, err.args[0] < 0 if err else None)
res = events(p, 0)
print("poll after the failure:", res, res == [RD | WR | ERR])
try:
    ss.read(10)
except OSError as e:
    print("read after the failure raises:", e.args[0] == err.args[0])
ss.close()
print("closed:", events(p, 0))
