# The server side: SSLContext(PROTOCOL_TLS_SERVER) + load_cert_chain, wrap_socket(server_side=
# True) on accepted sockets, served to real clients the runner starts on request
# (CLIENT_CTL_PORT): openssl s_client for each suite, Python's ssl, gnutls-cli, with and
# without client certificates (verify_mode CERT_OPTIONAL / CERT_REQUIRED against the client
# CA), a TLS 1.2-only client and a client that is not TLS at all. Both ends report: the
# server what it read and its error, the client what it negotiated and received. The
# listener survives every failure. Argument errors raise TypeError/ValueError/OSError first.
try:
    SERVE_PORT
except NameError:
    from tls_test_config import *
import gc
import socket
import ussl

listener = socket.socket()
listener.bind(socket.getaddrinfo(HOST, SERVE_PORT)[0][-1])
listener.listen(1)


def server_ctx(verify=ussl.CERT_NONE, suites=None):
    ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(SERVER_CERT_PEM, SERVER_KEY_PEM)
    if verify != ussl.CERT_NONE:
        ctx.load_verify_locations(cadata=CLIENT_CA_PEM)
        ctx.verify_mode = verify
    if suites:
        ctx.set_ciphers(suites)
    return ctx


def serve(label, ctx, client, suite="-", cert=""):
    gc.collect()
    ctl = tcp(CLIENT_CTL_PORT)
    ctl.write(("%s %d %s %s\n" % (client, SERVE_PORT, suite, cert)).encode())
    s, addr = listener.accept()
    try:
        ss = ctx.wrap_socket(s, server_side=True)
        line = ss.readline()
        ss.write(b"pong " + line)
        print(label, "server:", ss.cipher(), line)
        ss.close()
    except OSError as e:
        print(label, "server: OSError", e.args[1] if len(e.args) > 1 else e.args[0])
        s.close()
    print(label, "client:", ctl.readline().decode().strip())
    ctl.close()


# Argument checks, before any connection.
ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_SERVER)
print("default verify_mode", ctx.verify_mode == ussl.CERT_NONE)
s = socket.socket()
try_call("no cert", ctx.wrap_socket, s, server_side=True)
ctx.load_cert_chain(SERVER_CERT_PEM, SERVER_KEY_PEM)
try_call("client side of server ctx", ctx.wrap_socket, s)
try_call("server_hostname", ctx.wrap_socket, s, server_side=True, server_hostname="x")
try_call("server_side on client ctx", ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT).wrap_socket, s, server_side=True)
ctx.verify_mode = ussl.CERT_REQUIRED
try_call("CERT_REQUIRED without CA", ctx.wrap_socket, s, server_side=True)
try_call("legacy without key", ussl.wrap_socket, s, server_side=True)
try_call("key type", ctx.load_cert_chain, SERVER_CERT_PEM, 5)
s.close()

# Each suite with s_client, our order deciding when the client offers all.
for suite in ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"):
    serve("openssl " + suite, server_ctx(), "openssl", suite)
serve("openssl our choice", server_ctx(suites=["TLS_AES_256_GCM_SHA384"]), "openssl")
serve("python", server_ctx(), "python")
serve("gnutls", server_ctx(), "gnutls")

# Client certificates.
serve("required+cert openssl", server_ctx(ussl.CERT_REQUIRED), "openssl", "-", "cert")
serve("required+cert python", server_ctx(ussl.CERT_REQUIRED), "python", "-", "cert")
serve("required+cert gnutls", server_ctx(ussl.CERT_REQUIRED), "gnutls", "-", "cert")
serve("required no cert", server_ctx(ussl.CERT_REQUIRED), "python")
serve("required rogue cert", server_ctx(ussl.CERT_REQUIRED), "python", "-", "rogue")
serve("optional no cert", server_ctx(ussl.CERT_OPTIONAL), "python")
serve("optional+cert", server_ctx(ussl.CERT_OPTIONAL), "openssl", "-", "cert")

# Clients we refuse; the listener lives on.
serve("tls1.2 client", server_ctx(), "tls12")
serve("not TLS", server_ctx(), "garbage")

# Non-blocking, as asyncio's start_server does it: wrap without the handshake, then poll-driven
# reads run the handshake and the data (one code path).
import select

gc.collect()
ctl = tcp(CLIENT_CTL_PORT)
ctl.write(("openssl %d TLS_AES_256_GCM_SHA384 cert\n" % SERVE_PORT).encode())
s, addr = listener.accept()
s.setblocking(False)
ss = server_ctx(ussl.CERT_REQUIRED).wrap_socket(s, server_side=True, do_handshake_on_connect=False)
p = select.poll()
p.register(ss, select.POLLIN)
line = b""
waits = 0
while not line.endswith(b"\n") and waits < 400:
    d = ss.read(64)
    if d is None:
        waits += 1
        p.poll(5000)
        continue
    if not d:
        break
    line += d
print("non-blocking server:", ss.cipher(), line, "waited", waits > 0)
ss.write(b"pong " + line)
ss.setblocking(True)
ss.close()
print("non-blocking client:", ctl.readline().decode().strip())
ctl.close()

# Legacy API (ssl.wrap_socket's shape) after all that.
gc.collect()
ctl = tcp(CLIENT_CTL_PORT)
ctl.write(("python %d - \n" % SERVE_PORT).encode())
s, addr = listener.accept()
ss = ussl.wrap_socket(s, server_side=True, key=SERVER_KEY_PEM, cert=SERVER_CERT_PEM)
line = ss.readline()
ss.write(b"pong " + line)
ss.close()
print("legacy server:", line)
print("legacy client:", ctl.readline().decode().strip())
ctl.close()
listener.close()
