# TLS 1.3 external pre-shared keys: SSLContext.set_psk_identity / set_psk_key (upstream's API)
# against openssl s_server -tls1_3 -psk ... -nocert (PSK_PORT). A PSK authenticates the server
# by itself (CERT_REQUIRED needs no CA then); a wrong key or identity fails with the server's
# alert; a server that ignores the PSK must pass certificate verification, which without a CA
# it cannot. Bad arguments raise TypeError/ValueError.
try:
    PSK_PORT
except NameError:
    from tls_test_config import *
import ussl

if not hasattr(ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT), "set_psk_key"):
    # A port built without the PSK API (MICROPY_USSL_PSK=0) says so.
    print("no PSK API in this build")
    raise SystemExit


def psk_context(identity=PSK_ID, key=PSK_KEY):
    ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
    if identity is not None:
        ctx.set_psk_identity(identity)
    if key is not None:
        ctx.set_psk_key(key)
    return ctx


def attempt(label, ctx, port=PSK_PORT, **kw):
    raw = tcp(port)
    try:
        ss = ctx.wrap_socket(raw, **kw)
        print(label, get_on(ss))
    except OSError as e:
        print(label, "OSError", e.args[0], e.args[1] if len(e.args) > 1 else "")
    except Exception as e:
        print(label, type(e).__name__)
    # After a refused handshake the TCP socket is still ours (closing twice is harmless): not
    # left to the GC, the servers serve one connection at a time.
    raw.close()


attempt("PSK (CERT_REQUIRED, no CA):", psk_context())
attempt("str identity, server_hostname:", psk_context(identity=PSK_ID.decode()), server_hostname=SERVER_NAME)
nv = psk_context()
nv.verify_mode = ussl.CERT_NONE
attempt("CERT_NONE:", nv)
attempt("wrong key:", psk_context(key=b"0123456789abcdef"))
attempt("unknown identity:", psk_context(identity=b"nobody"))
attempt("certificate server ignoring the PSK, no CA:", psk_context(), port=TLS_PORT)
with_ca = psk_context()
with_ca.load_verify_locations(cadata=CA_DER)
attempt("certificate server ignoring the PSK, with CA:", with_ca, port=TLS_PORT, server_hostname=SERVER_NAME)

# ---- bad arguments
ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
for label, f, arg in (
    ("set_psk_key(1):", ctx.set_psk_key, 1),
    ("set_psk_key(b''):", ctx.set_psk_key, b""),
    ("set_psk_key(65 bytes):", ctx.set_psk_key, bytes(65)),
    ("set_psk_identity(None):", ctx.set_psk_identity, None),
    ("set_psk_identity(''):", ctx.set_psk_identity, ""),
    ("set_psk_identity(129 bytes):", ctx.set_psk_identity, bytes(129)),
):
    try:
        f(arg)
        print(label, "accepted?!")
    except Exception as e:
        print(label, type(e).__name__)
attempt("identity without key:", psk_context(key=None))
attempt("key without identity:", psk_context(identity=None))
