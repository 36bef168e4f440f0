# Failures become OSError (engine code < 0 with a message, or an errno) and leave the
# interpreter working; bad arguments raise TypeError/ValueError before any I/O.
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import gc
import socket
import ussl


def attempt(label, port, **kw):
    s = tcp(port)
    try:
        ss = ussl.wrap_socket(s, **kw)
    except OSError as e:
        code = e.args[0]
        has_text = len(e.args) == 2 and isinstance(e.args[1], str) and len(e.args[1]) > 0
        print(label, "OSError", code, e.errno == code, has_text)
        s.close()
        return code
    print(label, "connected?!")
    ss.close()


# A plain-TCP server that answers HTTP, not TLS.
attempt("http server:", HTTP_PORT, server_hostname=SERVER_NAME)
# A server that reads the ClientHello and closes the connection.
attempt("closed mid-handshake:", CLOSE_PORT, server_hostname=SERVER_NAME)
# (Certificate failures: tls_verify.py.)

# Bad arguments.
s = socket.socket()
for label, args, kw in (
    ("sock=int", (1,), {}),
    ("sock=str", ("host",), {}),
    ("sock=None", (None,), {}),
    ("no sock", (), {}),
    ("hostname=int", (s,), {"server_hostname": 5}),
    ("hostname=bytes", (s,), {"server_hostname": b"localhost"}),
    ("hostname empty", (s,), {"server_hostname": ""}),
    ("cadata=int", (s,), {"cadata": 5}),
    ("cadata empty", (s,), {"cadata": b""}),
    ("cert_reqs=str", (s,), {"cert_reqs": "required"}),
    ("cert_reqs=7", (s,), {"cert_reqs": 7}),
    ("CERT_REQUIRED, no cadata", (s,), {"server_hostname": SERVER_NAME, "cert_reqs": ussl.CERT_REQUIRED}),
    ("CERT_REQUIRED, no hostname", (s,), {"cadata": CA_DER, "cert_reqs": ussl.CERT_REQUIRED}),
    ("server_side", (s,), {"server_side": True}),
    ("unknown keyword", (s,), {"foo": 1}),
):
    try:
        ussl.wrap_socket(*args, **kw)
        print(label, "accepted?!")
    except Exception as e:
        print(label, type(e).__name__)
s.close()

# The interpreter still works, and the failed attempts left no engine memory behind.
gc.collect()
free0 = gc.mem_free()
for i in range(3):
    attempt("again:", CLOSE_PORT, server_hostname=SERVER_NAME)
gc.collect()
print("memory back:", gc.mem_free() >= free0 - 1024)
ss = ussl.wrap_socket(tcp(TLS_PORT), server_hostname=SERVER_NAME)
ss.write(b"GET / HTTP/1.0\r\n\r\n")
print("after errors:", ss.readline())
ss.close()
print(sum(range(10)), "done")
