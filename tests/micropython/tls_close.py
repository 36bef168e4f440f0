# close(): sends close_notify, is idempotent, closes the socket underneath; use after close
# raises OSError; a close_notify from the server reads as EOF (b"").
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import socket
import ussl


# Client closes first: the server must see close_notify, not a bare TCP close.
raw = tcp(PY_TLS_PORT)
ss = ussl.wrap_socket(raw, server_hostname=SERVER_NAME)
print(ss)
ss.write(b"ECHO c1 hello\n")
print(ss.readline())
ss.close()
print(ss)
print("server saw:", status(b"c1"))

# Idempotent close; the TCP socket underneath is closed as well.
ss.close()
ss.close()
try:
    raw.write(b"x")
    print("raw socket still open?!")
except OSError:
    print("raw socket closed")

# Every operation after close raises OSError.
for name, fn in (
    ("read", lambda: ss.read(10)),
    ("read()", lambda: ss.read()),
    ("readinto", lambda: ss.readinto(bytearray(4))),
    ("readline", lambda: ss.readline()),
    ("write", lambda: ss.write(b"x")),
    ("recv", lambda: ss.recv(4)),
    ("recv_into", lambda: ss.recv_into(bytearray(4))),
    ("send", lambda: ss.send(b"x")),
    ("sendall", lambda: ss.sendall(b"x")),
    ("setblocking", lambda: ss.setblocking(False)),
    ("do_handshake", lambda: ss.do_handshake()),
):
    try:
        fn()
        print(name, "worked?!")
    except OSError:
        print(name, "OSError")

# Server closes first (close_notify): reads give b"" (EOF) and close() still works.
ss = ussl.wrap_socket(tcp(PY_TLS_PORT), server_hostname=SERVER_NAME)
ss.write(b"BYE c2\n")
print(ss.readline())
print(ss.read(10), ss.read(), ss.readline())
# ... and keep giving it, through every read path.
print(ss.read(1), ss.recv(8), ss.recv_into(bytearray(8)), ss.readinto(bytearray(8)), ss.read(10))
ss.close()
ss.close()

# Context manager closes too.
with ussl.wrap_socket(tcp(PY_TLS_PORT), server_hostname=SERVER_NAME) as ss:
    ss.write(b"ECHO c3 with\n")
    print(ss.readline())
print(ss)
print("server saw:", status(b"c3"))

# Dropping the TCP socket without closing the TLS one: the server sees no close_notify.
# (The TLS object is closed before asking: one connection at a time fits the ESP8266 heap.)
raw = tcp(PY_TLS_PORT)
ss = ussl.wrap_socket(raw, server_hostname=SERVER_NAME)
ss.write(b"ECHO c4 rude\n")
print(ss.readline())
raw.close()
try:
    ss.write(b"more")
    print("write on a dead socket worked?!")
except OSError:
    print("write after the socket closed: OSError")
ss.close()
print("server saw:", status(b"c4"))
