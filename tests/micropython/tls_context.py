# ussl.SSLContext (upstream's tls.SSLContext shape): protocols, verify_mode (a client context
# verifies by default), ciphers, load_verify_locations, wrap_socket argument checks, the server
# side (refused with a reason), and the legacy wrap_socket's upstream signature.
# Connections through a context and the socket-style methods: tls_context_io.py.
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import gc
import socket
import ussl

CIPHER = "TLS_AES_128_GCM_SHA256"


# ---- the context object
print("protocols:", ussl.PROTOCOL_TLS_CLIENT != ussl.PROTOCOL_TLS_SERVER)
ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
print(type(ctx).__name__, ctx.verify_mode == ussl.CERT_REQUIRED)
sctx = ussl.SSLContext(ussl.PROTOCOL_TLS_SERVER)
print("server context verify_mode:", sctx.verify_mode == ussl.CERT_NONE)
try_call("SSLContext(7)", ussl.SSLContext, 7)
try_call("SSLContext('x')", ussl.SSLContext, "x")
try_call("SSLContext()", ussl.SSLContext)
ctx.verify_mode = ussl.CERT_NONE
print("verify_mode set:", ctx.verify_mode == ussl.CERT_NONE)
ctx.verify_mode = ussl.CERT_OPTIONAL
print("verify_mode set:", ctx.verify_mode == ussl.CERT_OPTIONAL)
for bad in (7, -1, "required", None):
    try:
        ctx.verify_mode = bad
        print("verify_mode", repr(bad), "accepted?!")
    except Exception as e:
        print("verify_mode", repr(bad), type(e).__name__)
print("verify_mode kept:", ctx.verify_mode == ussl.CERT_OPTIONAL)

# ---- ciphers (in detail, with a connection per suite: tls_ciphers.py)
print("get_ciphers:", CIPHER in ctx.get_ciphers())
try_call("set_ciphers(list)", ctx.set_ciphers, [CIPHER])
try_call("set_ciphers(tuple)", ctx.set_ciphers, (CIPHER,))
try_call("set_ciphers(unknown)", ctx.set_ciphers, ["TLS_AES_128_CCM_SHA256"])
try_call("set_ciphers(mixed)", ctx.set_ciphers, [CIPHER, "TLS_AES_128_CCM_8_SHA256"])
try_call("set_ciphers(garbage)", ctx.set_ciphers, ["nonsense"])
try_call("set_ciphers([])", ctx.set_ciphers, [])
try_call("set_ciphers(str)", ctx.set_ciphers, CIPHER)
try_call("set_ciphers([int])", ctx.set_ciphers, [5])
try_call("set_ciphers(None)", ctx.set_ciphers, None)
print("get_ciphers again:", CIPHER in ctx.get_ciphers())

# ---- load_verify_locations
try_call("cadata=int", ctx.load_verify_locations, cadata=5)
try_call("cadata=None", ctx.load_verify_locations, cadata=None)
try_call("cadata=list", ctx.load_verify_locations, cadata=[CA_DER])
try_call("cadata empty", ctx.load_verify_locations, cadata=b"")
try_call("cadata bad PEM", ctx.load_verify_locations,
         cadata="-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
try_call("cadata=DER", ctx.load_verify_locations, cadata=CA_DER)
try_call("cadata=PEM str", ctx.load_verify_locations, cadata=CA_PEM)
try_call("cadata=PEM bytes, positional", ctx.load_verify_locations, CA_PEM.encode())
try_call("unknown keyword", ctx.load_verify_locations, cafile="ca.pem")

# ---- wrap_socket argument checks (before any I/O)
s = socket.socket()
try_call("wrap_socket(int)", ctx.wrap_socket, 5)
try_call("wrap_socket(None)", ctx.wrap_socket, None)
try_call("wrap_socket()", ctx.wrap_socket)
try_call("hostname=bytes", ctx.wrap_socket, s, server_hostname=b"localhost")
try_call("hostname=int", ctx.wrap_socket, s, server_hostname=5)
try_call("hostname empty", ctx.wrap_socket, s, server_hostname="")
try_call("unknown keyword", ctx.wrap_socket, s, foo=1)
req = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
req.load_verify_locations(cadata=CA_DER)
try_call("CERT_REQUIRED, no hostname", req.wrap_socket, s, do_handshake_on_connect=False)
s.close()

# A fresh client context verifies by default: without a CA it refuses, with a readable reason.
s = tcp(TLS_PORT)
try:
    ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT).wrap_socket(s, server_hostname=SERVER_NAME)
    print("no CA: connected?!")
except OSError as e:
    code, text = os_error("no CA:", e)
    print("   ", text)
    print("    same socket, CERT_NONE:", end=" ")
    nv = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
    nv.verify_mode = ussl.CERT_NONE
    print(get_on(nv.wrap_socket(s, server_hostname=SERVER_NAME)))


# ---- server side: not there yet, said clearly
def server_attempt(label, f, *args, **kw):
    s = tcp(TLS_PORT)
    try:
        f(s, *args, **kw)
        print(label, "accepted?!")
    except OSError as e:
        code, text = os_error(label, e)
        print("   ", text)
    except Exception as e:
        print(label, type(e).__name__)
    s.close()


server_attempt("server context:", sctx.wrap_socket, server_side=True)
server_attempt("server context, client side:", sctx.wrap_socket)
server_attempt("client context, server_side:", ctx.wrap_socket, server_side=True)
server_attempt("legacy server_side:", ussl.wrap_socket, server_side=True)
server_attempt("legacy key:", ussl.wrap_socket, key=b"key")
server_attempt("legacy cert:", ussl.wrap_socket, cert=b"cert")

# ---- legacy wrap_socket, upstream's positional order:
# (sock, server_side, key, cert, cert_reqs, cadata, server_hostname, do_handshake)
ss = ussl.wrap_socket(tcp(TLS_PORT), False, None, None, ussl.CERT_NONE, None, SERVER_NAME, True)
print("legacy positional:", get_on(ss))
try_call("legacy too many args", ussl.wrap_socket, socket.socket(), False, None, None, 0, None, None, True, 1)

# ---- load_cert_chain (client certificates): tls_clientcert.py.
