# Client certificates (mutual TLS): SSLContext.load_cert_chain(cert, key) with str or bytes,
# PEM or DER, SEC1 or PKCS#8 P-256 keys, a chain with an intermediate, and upstream's legacy
# wrap_socket(key=, cert=), against an openssl s_server that requires a client certificate
# (MTLS_PORT). Bad argument types raise TypeError/ValueError; unusable keys or certificates
# OSError(code, reason); a server refusing us OSError naming its alert.
# Both ports (and the ESP8266 firmware) have them; a build without the engine's client-cert
# feature would refuse load_cert_chain with OSError(EOPNOTSUPP, reason).
try:
    CLIENT_CERT_PEM
except NameError:
    from tls_test_config import *
import errno
import gc
import ussl


def report(label, e):
    if isinstance(e, OSError):
        code = "EOPNOTSUPP" if e.args[0] == errno.EOPNOTSUPP else e.args[0]
        print(label, "OSError", code, e.args[1] if len(e.args) > 1 else "")
    else:
        print(label, type(e).__name__)


def context(cert=None, key=None, verify=True):
    ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
    if verify:
        ctx.load_verify_locations(cadata=CA_DER)
    else:
        ctx.verify_mode = ussl.CERT_NONE
    if cert is not None:
        ctx.load_cert_chain(cert, key)
    return ctx


def get_page(ss):
    # GET on s_server -www: the status line, and whether the page names our certificate.
    ss.write(b"GET / HTTP/1.0\r\n\r\n")
    status = ss.readline()
    seen = False
    tail = b""
    while True:
        chunk = ss.read(256)
        if not chunk:
            break
        tail = tail[-32:] + chunk
        seen = seen or b"CN=ussl test client" in tail
    ss.close()
    return status, seen


def mutual(label, make_ctx):
    # The board's heap is small: the previous connection's buffers go before the next one.
    gc.collect()
    raw = None
    try:
        ctx = make_ctx()
        raw = tcp(MTLS_PORT)
        print(label, get_page(ctx.wrap_socket(raw, server_hostname=SERVER_NAME)))
    except Exception as e:
        report(label, e)
        # A refused handshake leaves the TCP socket to us: close it rather than wait for the
        # GC (s_server serves one connection at a time).
        if raw is not None:
            raw.close()


# ---- the server refuses us without a certificate (first: the board's heap is least
# fragmented here)
mutual("no client certificate:", lambda: context(verify=False))

# ---- good certificates and keys
mutual("PEM str cert, PKCS#8 PEM key:", lambda: context(CLIENT_CERT_PEM, CLIENT_KEY_PEM))
mutual("DER cert, SEC1 DER key:", lambda: context(CLIENT_CERT_DER, CLIENT_KEY_SEC1_DER))
mutual("PEM bytes chain (leaf + intermediate):", lambda: context(CLIENT_CHAIN_PEM.encode(), CLIENT_CHAIN_KEY_PEM.encode()))


def legacy():
    ss = ussl.wrap_socket(tcp(MTLS_PORT), server_hostname=SERVER_NAME, cert=CLIENT_CERT_PEM, key=CLIENT_KEY_PEM)
    print("legacy wrap_socket(key=, cert=):", get_page(ss))


try:
    legacy()
except Exception as e:
    report("legacy wrap_socket(key=, cert=):", e)

# ---- the server refuses: no certificate, or one from a CA it does not trust
mutual("certificate from another CA:", lambda: context(ROGUE_CERT_PEM, ROGUE_KEY_PEM))

# ---- bad arguments
BAD_PEM_KEY = "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n"
for label, cert, key in (
    ("ints:", 1, 2),
    ("key None:", CLIENT_CERT_PEM, None),
    ("bytearray cert:", bytearray(CLIENT_CERT_DER), CLIENT_KEY_PEM),
    ("empty cert:", b"", CLIENT_KEY_PEM),
    ("empty key:", CLIENT_CERT_PEM, ""),
    ("bad PEM key:", CLIENT_CERT_PEM, BAD_PEM_KEY),
    ("key PEM as cert:", CLIENT_KEY_PEM, CLIENT_KEY_PEM),
    ("RSA key:", CLIENT_CERT_PEM, CLIENT_RSA_KEY_PEM),
    ("key of another certificate:", CLIENT_CERT_PEM, ROGUE_KEY_PEM),
    ("garbage DER key:", CLIENT_CERT_DER, b"\x30\x03\x02\x01\x07"),
    ("garbage DER cert:", b"\x01\x02\x03", CLIENT_KEY_SEC1_DER),
):
    try:
        context(cert, key, verify=False)
        print(label, "accepted?!")
    except Exception as e:
        report(label, e)
raw = tcp(MTLS_PORT)
try:
    ussl.wrap_socket(raw, key=CLIENT_KEY_PEM)
except Exception as e:
    report("legacy key without cert:", e)
raw.close()  # s_server waits for a ClientHello on it otherwise (until the GC closes it)



# A failed load keeps the previous chain: the context still works.
def reload():
    ctx = context(CLIENT_CERT_PEM, CLIENT_KEY_PEM)
    try:
        ctx.load_cert_chain(CLIENT_CERT_PEM, CLIENT_RSA_KEY_PEM)
    except OSError:
        pass
    return ctx


mutual("after a refused load_cert_chain:", reload)
