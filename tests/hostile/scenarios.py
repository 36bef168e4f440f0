"""The hostile peer's scenarios: each completes as much of a correct TLS 1.3 handshake as it
needs (tls13.ServerConn), then misbehaves in one named way. SCENARIOS maps name -> function.

After the misbehaviour the server lingers (reads until the client closes) unless the scenario
is about closing: the client must end the connection on its own error, not on our EOF.

Post-handshake scenarios act when the client's first application data arrives (the tests
write one line, "ping\\n", and expect it echoed when the scenario is legal).
"""
import socket

from tls13 import (ALERT, ALERTS, APPLICATION_DATA, HANDSHAKE, Keys, X25519,
                   FATAL, WARNING, PeerClosed, alert, certificate, certificate_request, finished,
                   handshake, key_update, new_session_ticket, record, ENCRYPTED_EXTENSIONS)

SCENARIOS = {}

MAX_CIPHERTEXT = 2 ** 14 + 256  # section 5.2
MAX_PLAINTEXT = 2 ** 14


def scenario(name):
    def register(f):
        SCENARIOS[name] = f
        return f
    return register


def after_handshake(c, on_data):
    """Honest handshake; on_data(c, data) runs on the client's first application data."""
    c.handshake()
    state = {"first": True}

    def hook(data):
        if state["first"]:
            state["first"] = False
            on_data(c, data)
        else:
            c.send_sealed(APPLICATION_DATA, data)
    c.serve(on_data=hook)


def then_linger(f):
    """on_data that misbehaves with f(c, data), then waits for the client to give up."""
    def on_data(c, data):
        f(c, data)
        c.linger()
        raise PeerClosed("done")
    return on_data


def flight_then_linger(c, msgs):
    c.send_sealed(HANDSHAKE, b"".join(msgs))
    c.linger()


# ------------------------------------------------------------------ correct behaviour

@scenario("honest")
def honest(c):
    c.handshake()
    c.serve()


@scenario("separate-records")
def separate_records(c):
    """Each message of the server's flight in a record of its own (legal)."""
    c.receive_client_hello()
    c.send_server_hello()
    for msg in c.honest_flight():
        c.send_sealed(HANDSHAKE, msg)
    c.tx = Keys(c.s_ap)
    c.receive_client_finished()
    c.serve()


@scenario("byte-at-a-time")
def byte_at_a_time(c):
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.byte_delay = 0.001
    c.handshake()
    c.serve()


@scenario("ticket-flood")
def ticket_flood(c):
    """1000 NewSessionTickets (one record each) before the echo: the client drops them."""
    c.handshake()
    for i in range(1000):
        c.send_sealed(HANDSHAKE, new_session_ticket(i))
    c.serve()


@scenario("empty-appdata")
def empty_appdata(c):
    """Zero-length application data records (section 5.1: allowed) around the echo."""
    def on_data(c, data):
        for _ in range(5):
            c.send_sealed(APPLICATION_DATA, b"")
        c.send_sealed(APPLICATION_DATA, data)
        c.send_sealed(APPLICATION_DATA, b"")
    after_handshake(c, on_data)


@scenario("max-record")
def max_record(c):
    """The echo in a record of exactly 2^14 + 256 bytes (legal; the largest there is)."""
    def on_data(c, data):
        c.send_sealed(APPLICATION_DATA, data, padding=MAX_CIPHERTEXT - 16 - 1 - len(data))
    after_handshake(c, on_data)


@scenario("server-close")
def server_close(c):
    """close_notify instead of the echo, then the TCP close."""
    def on_data(c, data):
        c.send_sealed(ALERT, alert(0, WARNING))
        c.linger()
        raise PeerClosed("done")
    after_handshake(c, on_data)


def key_update_scenario(requested):
    def run(c):
        def on_data(c, data):
            c.send_sealed(HANDSHAKE, key_update(requested))
            c.tx = c.tx.next()
            c.send_sealed(APPLICATION_DATA, data)
            c.key_update_due = requested  # serve() checks the client's answer
        after_handshake(c, on_data)
    return run


SCENARIOS["keyupdate"] = key_update_scenario(False)
SCENARIOS["keyupdate-requested"] = key_update_scenario(True)


# ------------------------------------------------------------------ broken records

@scenario("truncated-hs")
def truncated_hs(c):
    """Half of the ServerHello record, then the TCP close."""
    c.receive_client_hello()
    sent = []
    c.send = sent.append  # capture the ServerHello record instead of sending it
    c.send_server_hello()
    del c.send
    rec = sent[0]
    c.send(rec[:len(rec) // 2])
    c.sock.shutdown(socket.SHUT_WR)
    c.linger()


@scenario("truncated-data")
def truncated_data(c):
    """Half of an application data record, then the TCP close."""
    def on_data(c, data):
        rec = c.tx.seal(APPLICATION_DATA, data)
        c.send(rec[:len(rec) // 2])
        c.sock.shutdown(socket.SHUT_WR)
    after_handshake(c, then_linger(on_data))


@scenario("record-overflow")
def record_overflow(c):
    """A correctly encrypted record of 2^14 + 257 bytes (section 5.2: record_overflow)."""
    def on_data(c, data):
        c.send_sealed(APPLICATION_DATA, data, padding=MAX_CIPHERTEXT + 1 - 16 - 1 - len(data))
    after_handshake(c, then_linger(on_data))


@scenario("plaintext-overflow")
def plaintext_overflow(c):
    """A record within the ciphertext limit whose content is 2^14 + 1 bytes (section 5.4)."""
    def on_data(c, data):
        c.send_sealed(APPLICATION_DATA, bytes(MAX_PLAINTEXT + 1))
    after_handshake(c, then_linger(on_data))


@scenario("bad-tag-hs")
def bad_tag_hs(c):
    """The encrypted flight with one bit of the AEAD tag flipped."""
    c.receive_client_hello()
    c.send_server_hello()
    rec = bytearray(c.tx.seal(HANDSHAKE, b"".join(c.honest_flight())))
    rec[-1] ^= 1
    c.send(bytes(rec))
    c.linger()


@scenario("bad-tag-data")
def bad_tag_data(c):
    def on_data(c, data):
        rec = bytearray(c.tx.seal(APPLICATION_DATA, data))
        rec[-1] ^= 1
        c.send(bytes(rec))
    after_handshake(c, then_linger(on_data))


@scenario("zero-length-record")
def zero_length_record(c):
    """An application_data record with no bytes at all (not even an AEAD tag)."""
    after_handshake(c, then_linger(lambda c, data: c.send(record(APPLICATION_DATA, b""))))


@scenario("no-content-type")
def no_content_type(c):
    """A correctly encrypted record whose plaintext is empty (no content type byte)."""
    after_handshake(c, then_linger(lambda c, data: c.send(c.tx.seal(None, b""))))


@scenario("only-padding")
def only_padding(c):
    """A correctly encrypted record of nothing but zero padding (no content type)."""
    after_handshake(c, then_linger(lambda c, data: c.send(c.tx.seal(None, b"", padding=64))))


@scenario("only-padding-hs")
def only_padding_hs(c):
    c.receive_client_hello()
    c.send_server_hello()
    c.send(c.tx.seal(None, b"", padding=64))
    c.linger()


@scenario("no-close-notify")
def no_close_notify(c):
    """The echo, then the TCP close without close_notify (a possible truncation)."""
    def on_data(c, data):
        c.send_sealed(APPLICATION_DATA, data)
        c.sock.shutdown(socket.SHUT_WR)
    after_handshake(c, then_linger(on_data))


@scenario("silence")
def silence(c):
    """Reads the ClientHello, then says nothing until the client closes."""
    c.receive_client_hello()
    c.linger()


# ------------------------------------------------------------------ handshake order

def flight_scenario(build):
    """ServerHello, then the flight build(c) returns (a list of messages) in one record."""
    def run(c):
        c.receive_client_hello()
        c.send_server_hello()
        flight_then_linger(c, build(c))
    return run


SCENARIOS["finished-first"] = flight_scenario(
    lambda c: [c.encrypted_extensions(), c.server_finished()])
SCENARIOS["no-certificate-verify"] = flight_scenario(
    lambda c: [c.encrypted_extensions(), c.certificate(), c.server_finished()])
SCENARIOS["certificate-verify-first"] = flight_scenario(
    lambda c: [c.encrypted_extensions(), c.certificate_verify(), c.certificate(), c.server_finished()])
SCENARIOS["no-encrypted-extensions"] = flight_scenario(
    lambda c: [c.certificate(), c.certificate_verify(), c.server_finished()])
SCENARIOS["encrypted-extensions-twice"] = flight_scenario(
    lambda c: [c.encrypted_extensions(), c.encrypted_extensions(), c.certificate(),
               c.certificate_verify(), c.server_finished()])
SCENARIOS["data-after-finished"] = flight_scenario(
    lambda c: c.honest_flight() + [new_session_ticket(0)])
SCENARIOS["bad-finished"] = flight_scenario(
    lambda c: [c.encrypted_extensions(), c.certificate(), c.certificate_verify(),
               c.server_finished(corrupt=True)])


@scenario("bad-certificate-verify")
def bad_certificate_verify(c):
    """A CertificateVerify signed over the wrong transcript (rejected only when verifying)."""
    c.receive_client_hello()
    c.send_server_hello()
    msgs = [c.encrypted_extensions(), c.certificate()]
    saved = c.transcript
    c.transcript += b"x"
    cv = c.certificate_verify()
    c.transcript = saved + cv
    msgs += [cv, c.server_finished()]
    c.send_flight(msgs)
    try:
        c.receive_client_finished()
    except PeerClosed:
        c.linger()
        return
    c.serve()


@scenario("plaintext-flight")
def plaintext_flight(c):
    """The flight after ServerHello as a plaintext handshake record."""
    c.receive_client_hello()
    c.send_server_hello()
    c.send(record(HANDSHAKE, b"".join(c.honest_flight())))
    c.linger()


@scenario("hello-retry-request")
def hello_retry_request(c):
    """A HelloRetryRequest asking for x25519, a group the client did not offer."""
    c.receive_client_hello()
    c.send_hrr(X25519)
    c.linger()


@scenario("second-server-hello")
def second_server_hello(c):
    c.receive_client_hello()
    c.send_server_hello()
    c.send_server_hello()
    c.linger()


@scenario("wrong-suite")
def wrong_suite(c):
    """A ServerHello choosing a suite the client did not offer: the first of
    TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_CCM_SHA256 missing
    from its list (the keys stay AES-128-GCM's: the client must stop at the ServerHello)."""
    c.receive_client_hello()
    c.send_server_hello(suite=next(s for s in (0x1302, 0x1303, 0x1304) if s not in c.ch.suites))
    c.linger()


# ------------------------------------------------------------------ post-handshake messages

def post_handshake(msg, name):
    SCENARIOS[name] = lambda c: after_handshake(
        c, then_linger(lambda c, data: c.send_sealed(HANDSHAKE, msg(c))))


post_handshake(lambda c: certificate_request(), "post-certificate-request")
post_handshake(lambda c: certificate(c.creds.chain), "post-certificate")
post_handshake(lambda c: finished(bytes(32)), "post-finished")
post_handshake(lambda c: handshake(ENCRYPTED_EXTENSIONS, b"\0\0"), "post-encrypted-extensions")
post_handshake(lambda c: key_update(False) + new_session_ticket(1), "keyupdate-then-data")


# ------------------------------------------------------------------ alerts

def alert_scenarios():
    for name, code in ALERTS.items():
        def plain(c, code=code):
            # In place of the ServerHello (no keys yet: a plaintext alert).
            c.receive_client_hello()
            c.send(record(ALERT, alert(code, FATAL)))
            c.linger()

        def hs(c, code=code):
            # After the ServerHello, under the handshake key.
            c.receive_client_hello()
            c.send_server_hello()
            c.send_sealed(ALERT, alert(code, FATAL))
            c.linger()

        def data(c, code=code):
            after_handshake(c, then_linger(lambda c, d: c.send_sealed(ALERT, alert(code, FATAL))))
        SCENARIOS["alert-plain-" + name] = plain
        SCENARIOS["alert-hs-" + name] = hs
        SCENARIOS["alert-data-" + name] = data


alert_scenarios()


# ------------------------------------------------------------------ the server's key share

def bad_key_share(name, make_share):
    """A ServerHello whose secp256r1 share is not a valid uncompressed point: the client must
    refuse it (RFC 8446 section 4.2.8.2) instead of deriving keys from it."""
    def run(c):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from tls13 import TLS_AES_128_GCM_SHA256, server_hello
        c.receive_client_hello()
        pub = ec.generate_private_key(ec.SECP256R1()).public_key()
        fmt = {True: serialization.PublicFormat.CompressedPoint,
               False: serialization.PublicFormat.UncompressedPoint}
        share = make_share(lambda compressed=False: pub.public_bytes(serialization.Encoding.X962,
                                                                      fmt[compressed]))
        c.send_plain(HANDSHAKE, c.hs(server_hello(c.ch, TLS_AES_128_GCM_SHA256, share)))
        c.linger()
    SCENARIOS["key-share-" + name] = run


P256_P = bytes.fromhex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")
bad_key_share("off-curve", lambda enc: enc()[:-1] + bytes([enc()[-1] ^ 1]))
bad_key_share("compressed", lambda enc: enc(True))
bad_key_share("x-is-p", lambda enc: b"\x04" + P256_P + enc()[33:])
bad_key_share("infinity", lambda enc: b"\x00")
bad_key_share("truncated", lambda enc: enc()[:64])
