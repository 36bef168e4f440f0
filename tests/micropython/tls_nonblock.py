# Non-blocking underlying socket: the shim reports would-block upward (read/write -> None)
# instead of looping, and the handshake completes inside later read calls.
# Every would-block asserted here is deterministic: the server (PY_TLS_PORT) sends no
# application data before it gets a command, nor after answering one, so a read at those
# points cannot complete, however fast or slow the client runs (NewSessionTicket records
# carry no data).
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import socket
import time
import ussl


s = tcp(PY_TLS_PORT)
s.setblocking(False)
ss = ussl.wrap_socket(s, server_hostname=SERVER_NAME, do_handshake=False)
print(ss)

# Reads drive the handshake; until a command is sent none of them can return data.
start = time.ticks_ms()
results = []
while "connected" not in repr(ss) and time.ticks_diff(time.ticks_ms(), start) < 60000:
    d = ss.read(16)
    if d is None:
        time.sleep_ms(2)
    if d not in results:
        results.append(d)
print("handshake done inside read:", "connected" in repr(ss))
print("reads returned:", results)
print("read after the handshake:", ss.read(16))

msg = b"ECHO n1 non-blocking\n"
while msg and time.ticks_diff(time.ticks_ms(), start) < 60000:
    n = ss.write(msg)
    if n is None:
        time.sleep_ms(2)
    else:
        msg = msg[n:]
print("written:", not msg)

line = b""
while not line.endswith(b"\n") and time.ticks_diff(time.ticks_ms(), start) < 60000:
    d = ss.read(64)
    if d is None:
        time.sleep_ms(2)
    elif d == b"":
        break
    else:
        line += d
print(line)
# The whole reply has been read and the server now waits for us to close.
print("read after the reply:", ss.read(16))

# setblocking on the TLS socket goes to the socket underneath.
ss.setblocking(True)
ss.close()
print(ss)
