# The hostile-peer matrix from Python (issue 7): tests/hostile/tls13_peer.py completes a
# correct TLS 1.3 handshake, then misbehaves in the way named by the line we send before the
# ClientHello. Each scenario must end in an OSError with a readable message, or in success
# where RFC 8446 allows what the peer did; the interpreter stays usable and the heap comes
# back to its baseline. (rust/engine/tests/hostile.rs checks the same matrix through the C ABI,
# with verification on and off.)
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import gc
import ussl


def run(name, timeout=None, **kw):
    s = tcp(HOSTILE_PORT)
    s.write(name.encode() + b"\n")
    if timeout:
        s.settimeout(timeout)  # the peer stays silent: give up after this long
    try:
        ss = ussl.wrap_socket(s, server_hostname=SERVER_NAME, **kw)
    except OSError as e:
        s.close()
        return "handshake " + describe(e)
    try:
        for line in (b"ping\n", b"pong\n"):
            ss.write(line)
            got = ss.readline()
            if got == b"":
                return "closed by peer"
            if got != line:
                return "garbled echo!"
        return "ok"
    except OSError as e:
        return "data " + describe(e)
    finally:
        ss.close()


def describe(e):
    # An engine error carries (code, message); a socket error only the errno.
    if len(e.args) == 2 and isinstance(e.args[1], str) and e.args[1]:
        return "OSError %d %s" % (e.args[0], e.args[1])
    return "OSError %d (errno %s)" % (e.args[0], e.errno == e.args[0])


SCENARIOS = (
    # legal: success
    "honest", "separate-records", "byte-at-a-time", "ticket-flood", "empty-appdata",
    "max-record", "keyupdate", "keyupdate-requested", "server-close",
    # broken records
    "truncated-hs", "truncated-data", "record-overflow", "plaintext-overflow", "bad-tag-hs",
    "bad-tag-data", "zero-length-record", "no-content-type", "only-padding", "only-padding-hs",
    "plaintext-flight", "no-close-notify",
    # handshake order and content
    "finished-first", "no-certificate-verify", "certificate-verify-first",
    "no-encrypted-extensions", "encrypted-extensions-twice", "data-after-finished",
    "bad-finished", "bad-certificate-verify", "hello-retry-request", "second-server-hello",
    "wrong-suite",
    # after the handshake
    "post-certificate-request", "post-certificate", "post-finished",
    "post-encrypted-extensions", "keyupdate-then-data",
)

ALERTS = (
    "close_notify", "unexpected_message", "bad_record_mac", "record_overflow",
    "handshake_failure", "bad_certificate", "unsupported_certificate", "certificate_revoked",
    "certificate_expired", "certificate_unknown", "illegal_parameter", "unknown_ca",
    "access_denied", "decode_error", "decrypt_error", "protocol_version",
    "insufficient_security", "internal_error", "inappropriate_fallback", "user_canceled",
    "missing_extension", "unsupported_extension", "unrecognized_name",
    "bad_certificate_status_response", "unknown_psk_identity", "certificate_required",
    "no_application_protocol",
)

# Baseline after a connection with and one without verification: their first-use
# allocations (320 B on the host port for the first verifying one) are not leaks.
run("honest")
run("honest", cert_reqs=ussl.CERT_REQUIRED, cadata=CA_DER)
gc.collect()
free0 = gc.mem_free()

for name in SCENARIOS:
    print(name + ":", run(name))
print("silence:", run("silence", timeout=2))
# Every alert, before the ServerHello (plaintext), after it (encrypted) and after the handshake.
for a in ALERTS:
    print("alert " + a + ":", run("alert-plain-" + a), "|", run("alert-hs-" + a), "|",
          run("alert-data-" + a))
# The order cases with verification on (the certificate must not be skipped); the emulated
# board refuses CERT_REQUIRED (its engine stack cannot hold the verifier).
for name in ("honest", "finished-first", "no-certificate-verify", "certificate-verify-first",
             "bad-certificate-verify"):
    print("verified " + name + ":", run(name, cert_reqs=ussl.CERT_REQUIRED, cadata=CA_DER))

gc.collect()
lost = free0 - gc.mem_free()
# The GC scans the stack conservatively: a few hundred bytes come and go between collections.
# About 150 connections ran: a leak of 8 bytes per connection would exceed the margin, a
# connection's buffers (over 10 KB) by far.
print("memory back:", lost < 1024 or lost)
print("still usable:", run("honest"), sum(range(10)))
