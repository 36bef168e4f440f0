# Certificate verification (CERT_REQUIRED, or CERT_OPTIONAL with cadata): the chain against the
# CA (DER or PEM text), the validity dates and the server name; failures are
# OSError(code, message) with a code per reason (unknown CA, hostname mismatch, ...).
# Without cadata (or with CERT_NONE) nothing is verified.
#
# A port whose engine stack cannot hold the verifier refuses every verifying wrap_socket with
# OSError(EOPNOTSUPP, explanation) before any I/O, leaving the socket usable.
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import errno
import gc
import socket
import ussl


def without_numbers(text):
    # The explanation names the port's stack sizes; the .exp keeps only its wording.
    out = ""
    for c in text:
        if c in "0123456789":
            if not out.endswith("N"):
                out += "N"
        else:
            out += c
    return out


def attempt(label, port=TLS_PORT, **kw):
    kw.setdefault("server_hostname", SERVER_NAME)
    s = tcp(port)
    try:
        ss = ussl.wrap_socket(s, **kw)
    except OSError as e:
        code = e.args[0]
        has_text = len(e.args) == 2 and isinstance(e.args[1], str) and len(e.args[1]) > 0
        print(label, "OSError", code, e.errno == code, has_text)
        if code == errno.EOPNOTSUPP:
            # Refused before any I/O: the same socket still carries an unverified connection.
            print("   ", without_numbers(e.args[1]))
            print("    same socket, unverified:", get_on(ussl.wrap_socket(s, server_hostname=SERVER_NAME)))
        else:
            s.close()
        return code
    print(label, get_on(ss))


attempt("verified (DER):", cadata=CA_DER, cert_reqs=ussl.CERT_REQUIRED)
attempt("verified (PEM):", cadata=CA_PEM, cert_reqs=ussl.CERT_REQUIRED)
attempt("optional with CA:", cadata=CA_DER, cert_reqs=ussl.CERT_OPTIONAL)
c1 = attempt("wrong CA:", cadata=OTHER_CA_DER, cert_reqs=ussl.CERT_REQUIRED)
c2 = attempt("wrong hostname:", server_hostname="example.com", cadata=CA_DER, cert_reqs=ussl.CERT_REQUIRED)
print("distinct codes:", c1 != c2)
attempt("garbage CA:", cadata=b"not a certificate", cert_reqs=ussl.CERT_REQUIRED)
attempt("optional, wrong CA:", cadata=OTHER_CA_DER, cert_reqs=ussl.CERT_OPTIONAL)

# Nothing to verify: these connect on every port.
attempt("optional without CA:", cert_reqs=ussl.CERT_OPTIONAL)
attempt("CERT_NONE with a wrong CA:", cadata=OTHER_CA_DER, cert_reqs=ussl.CERT_NONE)

# A verified connection closes with close_notify like any other.
s = tcp(PY_TLS_PORT)
try:
    ss = ussl.wrap_socket(s, server_hostname=SERVER_NAME, cadata=CA_DER, cert_reqs=ussl.CERT_REQUIRED)
    ss.write(b"ECHO v1 verified\n")
    print(ss.readline())
    ss.close()
    print(ss)
    ss = ussl.wrap_socket(tcp(PY_TLS_PORT), server_hostname=SERVER_NAME)
    ss.write(b"STATUS v1\n")
    print("server saw:", ss.readline())
    ss.close()
except OSError as e:
    print("verified echo: OSError", e.args[0])
    s.close()

# Failed or refused attempts leave no engine memory behind.
gc.collect()
free0 = gc.mem_free()
for i in range(3):
    attempt("again:", cadata=OTHER_CA_DER, cert_reqs=ussl.CERT_REQUIRED)
gc.collect()
print("memory back:", gc.mem_free() >= free0 - 1024)
