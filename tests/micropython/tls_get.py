# HTTP GET over ussl from `openssl s_server -tls1_3 -www` (without verification; see
# tls_verify.py for CERT_REQUIRED / CERT_OPTIONAL), and through the `tls` alias of the module.
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import socket
import ussl


def get(mod=ussl, **kw):
    ss = mod.wrap_socket(tcp(TLS_PORT), server_hostname=SERVER_NAME, **kw)
    n = ss.write(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
    status = ss.readline()
    headers = []
    while True:
        line = ss.readline()
        if line in (b"\r\n", b""):
            break
        headers.append(line)
    body = ss.read()
    ss.close()
    return n, status, headers, body


n, status, headers, body = get()
print("written", n)
print(status)
print(headers)
print("TLS 1.3 + AES-128-GCM:", b"New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256" in body)
print("P-256 key exchange:", b"Shared groups: secp256r1" in body)
print("body ends with HTML:", body.rstrip().endswith(b"</HTML>"))

print(ussl.CERT_NONE, ussl.CERT_OPTIONAL, ussl.CERT_REQUIRED)

import tls
n, status, headers, body = get(mod=tls)
print("tls alias:", status)
