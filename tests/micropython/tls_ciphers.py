# Cipher suites: SSLContext.get_ciphers()/set_ciphers() (as upstream: TypeError for wrong
# types, OSError for an empty list or an unknown name) and socket.cipher(); a connection per
# suite against an s_server restricted to it (SUITE_PORTS), our preference order, and a server
# whose only suite we disabled.
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import ussl

AES128 = "TLS_AES_128_GCM_SHA256"
AES256 = "TLS_AES_256_GCM_SHA384"
CHACHA = "TLS_CHACHA20_POLY1305_SHA256"


def context(ciphers=None):
    ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ussl.CERT_NONE
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    return ctx


def session(ctx, port):
    # Handshake, one GET; returns (our cipher(), the suite s_server's page names).
    ss = ctx.wrap_socket(tcp(port), server_hostname=SERVER_NAME)
    ours = ss.cipher()
    ss.write(b"GET / HTTP/1.0\r\n\r\n")
    theirs = None
    while True:
        line = ss.readline()
        if not line:
            break
        i = line.find(b"Cipher is ")
        if i >= 0:
            theirs = line[i + 10:].strip().decode()
            break
    ss.close()
    return ours, theirs


def show(label, ctx, port):
    try:
        ours, theirs = session(ctx, port)
        print(label, ours, "server:", theirs)
    except OSError as e:
        print(label, "OSError", e.args[0], e.args[1] if len(e.args) > 1 else "")


# ---- the list
names = context().get_ciphers()
print("get_ciphers:", names)
print("list of str:", type(names) is list and all(type(n) is str for n in names))

# ---- set_ciphers argument checks (nothing changes when it raises)
ctx = context()
for label, arg in (("str", AES128), ("None", None), ("int", 5), ("[int]", [5]),
                   ("[bytes]", [AES128.encode()]), ("[str, None]", [AES128, None])):
    try:
        ctx.set_ciphers(arg)
        print("set_ciphers", label, "accepted?!")
    except TypeError:
        print("set_ciphers", label, "TypeError")
for label, arg in (("[]", []), ("()", ()), ("unknown", ["nonsense"]), ("CCM", ["TLS_AES_128_CCM_SHA256"]),
                   ("lower case", [AES128.lower()]), ("known + unknown", [AES128, "TLS_AES_128_CCM_8_SHA256"])):
    try:
        ctx.set_ciphers(arg)
        print("set_ciphers", label, "accepted?!")
    except OSError as e:
        print("set_ciphers", label, "OSError", e.args)
print("set_ciphers tuple ->", ctx.set_ciphers((AES256,)))
print("set_ciphers mbedTLS name ->", ctx.set_ciphers(["TLS1-3-CHACHA20-POLY1305-SHA256"]))
print("get_ciphers unchanged:", ctx.get_ciphers() == names)

# ---- cipher() before and after the handshake
ss = context().wrap_socket(tcp(TLS_PORT), server_hostname=SERVER_NAME, do_handshake_on_connect=False)
print("cipher before handshake:", ss.cipher())
ss.close()

# ---- every suite, forced by the server; then offered alone to a server that takes any
for name in names:
    show("forced " + name + ":", context(), SUITE_PORTS[name])
for name in names:
    show("offered " + name + ":", context([name]), TLS_PORT)

# ---- our order decides when the server takes any (s_server follows the client's order)
show("order chacha, aes128:", context([CHACHA, AES128]), TLS_PORT)
show("order aes256, chacha:", context([AES256, CHACHA]), TLS_PORT)
show("duplicates:", context([AES256, AES256, AES128]), TLS_PORT)
# The last failed set_ciphers kept the previous list.
ctx = context([CHACHA])
try:
    ctx.set_ciphers(["nonsense"])
except OSError:
    pass
show("kept after a failed set_ciphers:", ctx, TLS_PORT)

# ---- a server whose only suite we disabled refuses us
show("server AES-256 only, we AES-128:", context([AES128]), SUITE_PORTS[AES256])
show("server ChaCha only, we AES:", context([AES128, AES256]), SUITE_PORTS[CHACHA])

# ---- verified, with the SHA-384 suite (transcript hash of CertificateVerify)
ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(cadata=CA_DER)
show("verified " + AES256 + ":", ctx, SUITE_PORTS[AES256])
