# Opting out of the certificate date check: SSLContext.verify_flags with
# VERIFY_X509_NO_CHECK_TIME (OpenSSL's X509_V_FLAG_NO_CHECK_TIME, the name and value CPython's
# verify_flags takes on OpenSSL), for devices whose clock cannot be set. The chain, the
# signatures and the name are still checked. The server presents a leaf that expired in 2021.
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import ussl


def attempt(label, ctx, name=SERVER_NAME):
    s = tcp(EXPIRED_TLS_PORT)
    try:
        ss = ctx.wrap_socket(s, server_hostname=name)
    except OSError as e:
        s.close()  # a failed wrap_socket leaves the socket to its owner
        print(label, "OSError", e.args[0], e.args[1] if len(e.args) > 1 else "")
        return
    print(label, get_on(ss))


ctx = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(cadata=EXPIRED_CA_DER)
print("default verify_flags:", ctx.verify_flags, hex(ussl.VERIFY_X509_NO_CHECK_TIME))
attempt("dates checked:", ctx)
ctx.verify_flags |= ussl.VERIFY_X509_NO_CHECK_TIME
print("verify_flags:", hex(ctx.verify_flags))
attempt("dates not checked:", ctx)
# Everything else still is.
attempt("wrong name, dates not checked:", ctx, "example.com")
other = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
other.load_verify_locations(cadata=OTHER_CA_DER)
other.verify_flags = ussl.VERIFY_X509_NO_CHECK_TIME
attempt("wrong CA, dates not checked:", other)
# A clock that was never set: "clock not set" unless the dates are not checked (a board without
# RTC; the host's clock is always set, so the board alone runs this part).
try:
    import lx106
except ImportError:
    lx106 = None
if lx106 is not None:
    lx106.set_time(0)
    strict = ussl.SSLContext(ussl.PROTOCOL_TLS_CLIENT)
    strict.load_verify_locations(cadata=EXPIRED_CA_DER)
    attempt("clock not set:", strict)
    attempt("clock not set, dates not checked:", ctx)
    lx106.set_time(HOST_TIME)
# Flags we do not implement are refused, not ignored.
for bad in (0x20, -1):
    try:
        ctx.verify_flags = bad
    except ValueError as e:
        print("verify_flags =", bad, "ValueError", e)
print("verify_flags kept:", hex(ctx.verify_flags))
ctx.verify_flags = 0
print("reset:", ctx.verify_flags)
