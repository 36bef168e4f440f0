# The SSL socket's socket-style methods (recv, recv_into, send, sendall, cipher) and verified
# connections through an SSLContext. The emulated ESP8266 refuses to verify (its engine stack
# cannot hold the verifier): tls_context_io.board.exp. (The two tests are separate files because
# the board's 38 KiB heap cannot hold one script this size plus a connection.)
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import gc
import socket
import ussl

CIPHER = "TLS_AES_128_GCM_SHA256"


# ---- verified connections through a context (the board refuses: EOPNOTSUPP)
def verified(label, ctx, port=TLS_PORT, hostname=SERVER_NAME):
    s = tcp(port)
    try:
        ss = ctx.wrap_socket(s, server_hostname=hostname)
    except OSError as e:
        code, text = os_error(label, e)
        s.close()
        return None
    print(label, "connected", ss.cipher())
    return ss


ctx_der = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
ctx_der.load_verify_locations(cadata=CA_DER)
ss = verified("verified (DER):", ctx_der)
if ss:
    print("   ", get_on(ss))
ctx_pem = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
ctx_pem.load_verify_locations(CA_PEM)
ss = verified("verified (PEM):", ctx_pem)
if ss:
    print("   ", get_on(ss))
ctx_other = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
ctx_other.load_verify_locations(cadata=OTHER_CA_DER)
verified("wrong CA:", ctx_other)
verified("wrong hostname:", ctx_der, hostname="example.com")
# Turning verification off on the same context connects.
ctx_other.verify_mode = ussl.CERT_NONE
ss = verified("wrong CA, CERT_NONE:", ctx_other)
print("   ", get_on(ss))
# CERT_OPTIONAL without a CA: nothing to verify against, connects.
opt = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
opt.verify_mode = ussl.CERT_OPTIONAL
ss = verified("optional, no CA:", opt)
print("   ", get_on(ss))

# ---- socket-style methods on an unverified client context
nv = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
nv.verify_mode = ussl.CERT_NONE
nv.set_ciphers([CIPHER])

# send/recv, handshake deferred: cipher() is None until the handshake ran.
ss = nv.wrap_socket(tcp(PY_TLS_PORT), server_hostname=SERVER_NAME, do_handshake_on_connect=False)
print("cipher before handshake:", ss.cipher())
msg = b"ECHO c1 hello context\n"
print("send:", ss.send(msg) == len(msg))
print("cipher:", ss.cipher())
line = b""
while not line.endswith(b"\n"):
    chunk = ss.recv(100)
    if not chunk:
        break
    print("recv at most 100:", len(chunk) <= 100)
    line += chunk
print("recv:", line)
try_call("recv(str)", ss.recv, "x")
try_call("send(int)", ss.send, 5)
try_call("sendall(None)", ss.sendall, None)
try_call("recv_into(bytes)", ss.recv_into, b"immutable")
try_call("recv_into(int)", ss.recv_into, 5)
ss.close()
print("cipher after close:", ss.cipher())
try_call("recv after close", ss.recv, 10)
try_call("send after close", ss.send, b"x")
print("server saw:", status(b"c1"))

# sendall: the whole buffer across several records, the server checks count and sum.
# (Buffers are allocated before connecting: the board's heap is small.)
payload = bytes(range(256))
line = b"SINK c2 %d\n" % (36 * len(payload))
ss = nv.wrap_socket(tcp(PY_TLS_PORT), server_hostname=SERVER_NAME)
ss.sendall(line)
ss.sendall(memoryview(payload)[:100])
ss.sendall(memoryview(payload)[100:])
for i in range(35):
    ss.sendall(payload)
print("sendall:", ss.readline(), 36 * sum(payload) % 65536)
ss.close()
print("server saw:", status(b"c2"))

# recv_into: bounded by n and by the buffer, returns after the first bytes.
buf = bytearray(1500)
mv = memoryview(buf)
ss = nv.wrap_socket(tcp(PY_TLS_PORT), server_hostname=SERVER_NAME)
ss.sendall(b"DATA c3 20000\n")
got = 0
ok = True
calls = 0
while got < 20000:
    if calls % 3 == 0:
        n = ss.recv_into(buf, 333)
        ok = ok and 0 < n <= 333
    elif calls % 3 == 1:
        n = ss.recv_into(mv[100:], 5000)
        ok = ok and 0 < n <= 1400
        buf[0:n] = mv[100:100 + n]
    else:
        n = ss.recv_into(buf)
        ok = ok and 0 < n <= 1500
    ok = ok and pattern_ok(mv[:n], got)
    got += n
    calls += 1
print("recv_into:", got, ok, calls > 3)
print("recv_into n=0:", ss.recv_into(buf, 0))
try_call("recv_into(buf, -1)", ss.recv_into, buf, -1)
ss.close()
print("server saw:", status(b"c3"))

# ---- contexts and sockets leave no engine memory behind
gc.collect()
free0 = gc.mem_free()
for i in range(3):
    ss = nv.wrap_socket(tcp(TLS_PORT), server_hostname=SERVER_NAME)
    ok = ss.cipher() is not None
    ss.close()
    s = tcp(TLS_PORT)
    try:
        ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT).wrap_socket(s, server_hostname=SERVER_NAME)
    except OSError:
        s.close()
gc.collect()
print("memory back:", ok, gc.mem_free() >= free0 - 1024)
