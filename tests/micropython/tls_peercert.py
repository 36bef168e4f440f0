# getpeercert(True): the server's leaf certificate as DER bytes, with and without
# verification; the dict form getpeercert() raises NotImplementedError, as upstream's
# mbedTLS module does; before the handshake and after close it raises OSError.
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import ussl

for label, kw in (("unverified", {}), ("verified", {"cadata": CA_DER, "cert_reqs": ussl.CERT_REQUIRED})):
    ss = ussl.wrap_socket(tcp(TLS_PORT), server_hostname=SERVER_NAME, **kw)
    der = ss.getpeercert(True)
    print(label, type(der).__name__, len(der) > 100, der == SERVER_DER)
    try_call("dict form:", ss.getpeercert)
    try_call("binary_form=False:", ss.getpeercert, False)
    print("still works:", get_on(ss))
    ss.close()
    try_call("after close:", ss.getpeercert, True)

ss = ussl.wrap_socket(tcp(TLS_PORT), server_hostname=SERVER_NAME, do_handshake=False)
try_call("before the handshake:", ss.getpeercert, True)
ss.close()
