# SSLContext.max_fragment_length: the record size a connection asks the server for (RFC 6066)
# and sizes its record buffers by. Each size against openssl s_server, verified, with a page
# that spans many records; smaller records must cost less heap; bad values are refused.
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import gc
import ussl

ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
print("default:", ctx.max_fragment_length)
ctx.max_fragment_length = 1024
print("set:", ctx.max_fragment_length)
ctx.max_fragment_length = None
print("reset:", ctx.max_fragment_length)
for bad in (1000, 0x10000, -512, 8192):
    try_call("max_fragment_length = %d" % bad, setattr, ctx, "max_fragment_length", bad)
try_call("max_fragment_length = '1024'", setattr, ctx, "max_fragment_length", "1024")
print("unchanged:", ctx.max_fragment_length)


def connect(fragment):
    # Heap the connection holds once the handshake is done, and the page it then reads.
    ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=CA_DER)
    ctx.max_fragment_length = fragment
    raw = tcp(TLS_PORT)
    gc.collect()
    free0 = gc.mem_free()
    ss = ctx.wrap_socket(raw, server_hostname=SERVER_NAME)
    gc.collect()
    taken = free0 - gc.mem_free()
    ss.write(b"GET / HTTP/1.0\r\n\r\n")
    status = ss.readline()
    # Counted, not kept: with full records the 38 KiB board heap has no room for the page too.
    buf = bytearray(256)
    n = len(status)
    while True:
        k = ss.readinto(buf)
        if not k:
            break
        n += k
    ss.close()
    return taken, status, n


sizes = []
for fragment in (512, 1024, 2048, 4096, 16384):
    taken, status, n = connect(fragment)
    sizes.append(taken)
    # s_server -www's page (session details, about 3 KiB) takes several records at 512..2048;
    # a server ignoring the requested size would overflow the small buffers ("record too large").
    print(fragment, status[:15], "page over 2 KiB:", n > 2048)
print("smaller records, less heap:", all(sizes[i] < sizes[i + 1] for i in range(len(sizes) - 1)))
