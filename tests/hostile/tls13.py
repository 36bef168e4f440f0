"""TLS 1.3 server pieces, written from RFC 8446: record layer, key schedule, handshake
messages. Only TLS_AES_128_GCM_SHA256 with secp256r1 and an ECDSA P-256 certificate: what
the hostile peer needs to complete a correct handshake before it misbehaves.
"""
import os
import struct

from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography import x509

# Content types (section 5.1)
CHANGE_CIPHER_SPEC, ALERT, HANDSHAKE, APPLICATION_DATA = 20, 21, 22, 23
# Handshake types (section 4)
CLIENT_HELLO, SERVER_HELLO, NEW_SESSION_TICKET = 1, 2, 4
ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_REQUEST = 8, 11, 13
CERTIFICATE_VERIFY, FINISHED, KEY_UPDATE, MESSAGE_HASH = 15, 20, 24, 254
# Extensions
EXT_SERVER_NAME, EXT_MAX_FRAGMENT_LENGTH, EXT_SUPPORTED_GROUPS = 0, 1, 10
EXT_SIGNATURE_ALGORITHMS, EXT_SUPPORTED_VERSIONS, EXT_KEY_SHARE = 13, 43, 51
TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 = 0x1301, 0x1302
SECP256R1, X25519 = 0x0017, 0x001D
ECDSA_SECP256R1_SHA256 = 0x0403
# Section 4.1.3: ServerHello.random of a HelloRetryRequest, SHA-256("HelloRetryRequest").
HRR_RANDOM = bytes.fromhex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")

# Alert descriptions of section 6 (every one the RFC lists).
ALERTS = {
    "close_notify": 0, "unexpected_message": 10, "bad_record_mac": 20, "record_overflow": 22,
    "handshake_failure": 40, "bad_certificate": 42, "unsupported_certificate": 43,
    "certificate_revoked": 44, "certificate_expired": 45, "certificate_unknown": 46,
    "illegal_parameter": 47, "unknown_ca": 48, "access_denied": 49, "decode_error": 50,
    "decrypt_error": 51, "protocol_version": 70, "insufficient_security": 71,
    "internal_error": 80, "inappropriate_fallback": 86, "user_canceled": 90,
    "missing_extension": 109, "unsupported_extension": 110, "unrecognized_name": 112,
    "bad_certificate_status_response": 113, "unknown_psk_identity": 115,
    "certificate_required": 116, "no_application_protocol": 120,
}
WARNING, FATAL = 1, 2

HASH_LEN = 32


class PeerClosed(Exception):
    """The client closed the TCP connection (or sent something we cannot parse)."""


# ------------------------------------------------------------------ encoding helpers

def u8(n):
    return struct.pack("!B", n)


def u16(n):
    return struct.pack("!H", n)


def u24(n):
    return struct.pack("!I", n)[1:]


def vec8(b):
    return u8(len(b)) + b


def vec16(b):
    return u16(len(b)) + b


def vec24(b):
    return u24(len(b)) + b


def handshake(msg_type, body):
    """Handshake message framing (section 4): type, 24-bit length, body."""
    return u8(msg_type) + vec24(body)


def record(ctype, payload, version=0x0303):
    """TLSPlaintext / TLSCiphertext header (section 5.1) + payload; no length checks."""
    return u8(ctype) + u16(version) + u16(len(payload)) + payload


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise PeerClosed("truncated message")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def int(self, n):
        return int.from_bytes(self.take(n), "big")

    def vec(self, n):
        return self.take(self.int(n))

    def done(self):
        return self.pos >= len(self.data)


# ------------------------------------------------------------------ key schedule (section 7)

def sha256(data):
    h = hashes.Hash(hashes.SHA256())
    h.update(data)
    return h.finalize()


def hmac_sha256(key, data):
    h = hmac.HMAC(key, hashes.SHA256())
    h.update(data)
    return h.finalize()


def hkdf_extract(salt, ikm):
    return hmac_sha256(salt, ikm)


def hkdf_expand(prk, info, length):
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac_sha256(prk, t + info + u8(i))
        out += t
        i += 1
    return out[:length]


def expand_label(secret, label, context, length):
    """HKDF-Expand-Label (section 7.1)."""
    info = u16(length) + vec8(b"tls13 " + label) + vec8(context)
    return hkdf_expand(secret, info, length)


def derive_secret(secret, label, transcript):
    return expand_label(secret, label, sha256(transcript), HASH_LEN)


def finished_mac(base_key, transcript):
    """verify_data of a Finished message (section 4.4.4)."""
    finished_key = expand_label(base_key, b"finished", b"", HASH_LEN)
    return hmac_sha256(finished_key, sha256(transcript))


class Keys:
    """One direction's traffic protection (section 5.3 nonce, section 7.3 keys)."""

    def __init__(self, secret):
        self.secret = secret
        self.aead = AESGCM(expand_label(secret, b"key", b"", 16))
        self.iv = expand_label(secret, b"iv", b"", 12)
        self.seq = 0

    def nonce(self):
        seq = self.seq.to_bytes(12, "big")
        self.seq += 1
        return bytes(a ^ b for a, b in zip(self.iv, seq))

    def next(self):
        """KeyUpdate (section 7.2): application_traffic_secret_N+1."""
        return Keys(expand_label(self.secret, b"traffic upd", b"", HASH_LEN))

    def seal(self, ctype, content, padding=0, length=None):
        """A TLSCiphertext record of TLSInnerPlaintext(content, type, zeros).
        ctype None: no content type byte (the hostile "no content type" record)."""
        inner = content + (u8(ctype) if ctype is not None else b"") + bytes(padding)
        n = len(inner) + 16 if length is None else length
        header = u8(APPLICATION_DATA) + u16(0x0303) + u16(n)
        return header + self.aead.encrypt(self.nonce(), inner, header)

    def open(self, header, payload):
        """Decrypts one record: (content type, content)."""
        inner = self.aead.decrypt(self.nonce(), payload, header)
        inner = inner.rstrip(b"\0")
        if not inner:
            raise PeerClosed("record without content type")
        return inner[-1], inner[:-1]


class Schedule:
    """The key schedule of section 7.1, from the (EC)DHE secret on (no PSK)."""

    def __init__(self, shared):
        early = hkdf_extract(bytes(HASH_LEN), bytes(HASH_LEN))
        self.handshake_secret = hkdf_extract(derive_secret(early, b"derived", b""), shared)
        master_salt = derive_secret(self.handshake_secret, b"derived", b"")
        self.master_secret = hkdf_extract(master_salt, bytes(HASH_LEN))

    def handshake_traffic(self, transcript):
        """(client, server) handshake traffic secrets over ClientHello..ServerHello."""
        return (derive_secret(self.handshake_secret, b"c hs traffic", transcript),
                derive_secret(self.handshake_secret, b"s hs traffic", transcript))

    def application_traffic(self, transcript):
        """(client, server) application traffic secrets over ClientHello..server Finished."""
        return (derive_secret(self.master_secret, b"c ap traffic", transcript),
                derive_secret(self.master_secret, b"s ap traffic", transcript))


# ------------------------------------------------------------------ handshake messages

class ClientHello:
    """The parts of a ClientHello (section 4.1.2) a server needs."""

    def __init__(self, msg):
        r = Reader(msg[4:])
        self.legacy_version = r.int(2)
        self.random = r.take(32)
        self.session_id = r.vec(1)
        suites = r.vec(2)
        self.suites = [int.from_bytes(suites[i:i + 2], "big") for i in range(0, len(suites), 2)]
        r.vec(1)  # legacy_compression_methods
        self.extensions = {}
        ext = Reader(r.vec(2))
        while not ext.done():
            etype = ext.int(2)
            self.extensions[etype] = ext.vec(2)
        self.shares = {}
        if EXT_KEY_SHARE in self.extensions:
            ks = Reader(Reader(self.extensions[EXT_KEY_SHARE]).vec(2))
            while not ks.done():
                group = ks.int(2)
                self.shares[group] = ks.vec(2)
        self.groups = []
        if EXT_SUPPORTED_GROUPS in self.extensions:
            g = Reader(self.extensions[EXT_SUPPORTED_GROUPS]).vec(2)
            self.groups = [int.from_bytes(g[i:i + 2], "big") for i in range(0, len(g), 2)]
        self.max_fragment_length = self.extensions.get(EXT_MAX_FRAGMENT_LENGTH)


def extension(etype, data):
    return u16(etype) + vec16(data)


def server_hello(ch, suite, share=None, random=None, hrr_group=None):
    """ServerHello (section 4.1.3), or a HelloRetryRequest when hrr_group is given."""
    if hrr_group is not None:
        random = HRR_RANDOM
        exts = extension(EXT_SUPPORTED_VERSIONS, u16(0x0304)) + extension(EXT_KEY_SHARE, u16(hrr_group))
    else:
        exts = (extension(EXT_SUPPORTED_VERSIONS, u16(0x0304))
                + extension(EXT_KEY_SHARE, u16(SECP256R1) + vec16(share)))
    body = (u16(0x0303) + (random or os.urandom(32)) + vec8(ch.session_id) + u16(suite)
            + u8(0) + vec16(exts))
    return handshake(SERVER_HELLO, body)


def encrypted_extensions(ch):
    exts = b""
    if ch.max_fragment_length is not None:
        # RFC 6066 section 4 (RFC 8446 section 4.2: in EncryptedExtensions): echo the request.
        exts += extension(EXT_MAX_FRAGMENT_LENGTH, ch.max_fragment_length)
    return handshake(ENCRYPTED_EXTENSIONS, vec16(exts))


def certificate(chain_der):
    entries = b"".join(vec24(der) + vec16(b"") for der in chain_der)
    return handshake(CERTIFICATE, vec8(b"") + vec24(entries))


def certificate_verify(key, transcript):
    """CertificateVerify (section 4.4.3): ECDSA over 64 spaces, context string, 0, hash."""
    content = b"\x20" * 64 + b"TLS 1.3, server CertificateVerify" + b"\0" + sha256(transcript)
    sig = key.sign(content, ec.ECDSA(hashes.SHA256()))
    return handshake(CERTIFICATE_VERIFY, u16(ECDSA_SECP256R1_SHA256) + vec16(sig))


def certificate_request():
    sig_algs = extension(EXT_SIGNATURE_ALGORITHMS, vec16(u16(ECDSA_SECP256R1_SHA256)))
    return handshake(CERTIFICATE_REQUEST, vec8(b"\x01") + vec16(sig_algs))


def finished(verify_data):
    return handshake(FINISHED, verify_data)


def new_session_ticket(n):
    body = (struct.pack("!II", 7200, n) + vec8(n.to_bytes(4, "big"))
            + vec16(b"ticket-%d" % n + bytes(16)) + vec16(b""))
    return handshake(NEW_SESSION_TICKET, body)


def key_update(request):
    return handshake(KEY_UPDATE, u8(1 if request else 0))


def alert(description, level=FATAL):
    return u8(level) + u8(description)


def message_hash(client_hello1):
    """Section 4.4.1: ClientHello1 is replaced by this in the transcript after an HRR."""
    return handshake(MESSAGE_HASH, sha256(client_hello1))


# ------------------------------------------------------------------ credentials

class Credentials:
    def __init__(self, cert_dir):
        pem = open(os.path.join(cert_dir, "server.pem"), "rb").read()
        end = b"-----END CERTIFICATE-----"
        blocks = [b + end for b in pem.split(end) if b"-----BEGIN" in b]
        self.chain = [x509.load_pem_x509_certificate(b).public_bytes(serialization.Encoding.DER)
                      for b in blocks]
        key_pem = open(os.path.join(cert_dir, "server.key"), "rb").read()
        self.key = serialization.load_pem_private_key(key_pem, password=None)


# ------------------------------------------------------------------ one server connection

class ServerConn:
    """The server end of one connection. The honest handshake is split into steps so that a
    scenario can run some of them, then misbehave. Handshake messages go through `hs`, which
    adds them to the transcript: a scenario's Finished and CertificateVerify are computed over
    what it really sent, so a client that does not check the order would accept them."""

    def __init__(self, sock, creds):
        self.sock, self.creds = sock, creds
        self.buf = b""
        self.transcript = b""
        self.tx = self.rx = None
        self.byte_delay = None  # seconds between single-byte writes (byte-at-a-time delivery)
        self.ch = None
        self.key_update_due = False  # we asked for the client's KeyUpdate

    # -- raw I/O
    def send(self, data):
        if self.byte_delay is None:
            self.sock.sendall(data)
            return
        import time
        for i in range(len(data)):
            self.sock.sendall(data[i:i + 1])
            time.sleep(self.byte_delay)

    def recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise PeerClosed("client closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_record(self):
        header = self.recv_exact(5)
        return header, self.recv_exact(int.from_bytes(header[3:5], "big"))

    def linger(self):
        """Reads (and drops) whatever the client sends until it closes: the client must end
        the connection itself, on its own error."""
        try:
            while self.sock.recv(65536):
                pass
        except OSError:
            pass

    # -- records
    def send_plain(self, ctype, payload):
        self.send(record(ctype, payload))

    def send_sealed(self, ctype, content, padding=0):
        self.send(self.tx.seal(ctype, content, padding))

    def read_sealed(self):
        """Next protected record (plaintext ChangeCipherSpec skipped): (type, content)."""
        while True:
            header, payload = self.read_record()
            if header[0] == CHANGE_CIPHER_SPEC:
                continue
            if header[0] != APPLICATION_DATA:
                raise PeerClosed("unprotected record type %d from the client" % header[0])
            return self.rx.open(header, payload)

    def hs(self, msg):
        self.transcript += msg
        return msg

    # -- honest handshake steps
    def receive_client_hello(self, allow_hrr=True):
        header, payload = self.read_record()
        while header[0] == CHANGE_CIPHER_SPEC:  # middlebox compatibility (appendix D.4)
            header, payload = self.read_record()
        if header[0] != HANDSHAKE or payload[:1] != u8(CLIENT_HELLO):
            raise PeerClosed("first record is not a ClientHello")
        self.ch = ClientHello(payload)
        self.hs(payload)
        if SECP256R1 not in self.ch.shares:
            if not (allow_hrr and SECP256R1 in self.ch.groups):
                self.send_plain(ALERT, alert(ALERTS["handshake_failure"]))
                raise PeerClosed("client offers no secp256r1")
            # Section 4.1.4: ask for a secp256r1 share; the transcript restarts with a hash.
            self.send_hrr(SECP256R1)
            self.receive_client_hello(allow_hrr=False)
        if TLS_AES_128_GCM_SHA256 not in self.ch.suites:
            self.send_plain(ALERT, alert(ALERTS["handshake_failure"]))
            raise PeerClosed("client offers no TLS_AES_128_GCM_SHA256")
        return self.ch

    def send_hrr(self, group, suite=TLS_AES_128_GCM_SHA256):
        self.transcript = message_hash(self.transcript)
        self.send_plain(HANDSHAKE, self.hs(server_hello(self.ch, suite, hrr_group=group)))

    def send_server_hello(self, suite=TLS_AES_128_GCM_SHA256):
        priv = ec.generate_private_key(ec.SECP256R1())
        peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), self.ch.shares[SECP256R1])
        shared = priv.exchange(ec.ECDH(), peer)
        share = priv.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
        self.send_plain(HANDSHAKE, self.hs(server_hello(self.ch, suite, share)))
        self.schedule = Schedule(shared)
        self.c_hs, self.s_hs = self.schedule.handshake_traffic(self.transcript)
        self.tx, self.rx = Keys(self.s_hs), Keys(self.c_hs)

    def encrypted_extensions(self):
        return self.hs(encrypted_extensions(self.ch))

    def certificate(self):
        return self.hs(certificate(self.creds.chain))

    def certificate_verify(self):
        return self.hs(certificate_verify(self.creds.key, self.transcript))

    def server_finished(self, corrupt=False):
        mac = finished_mac(self.s_hs, self.transcript)
        if corrupt:
            mac = bytes([mac[0] ^ 1]) + mac[1:]
        msg = self.hs(finished(mac))
        self.c_ap, self.s_ap = self.schedule.application_traffic(self.transcript)
        return msg

    def honest_flight(self):
        return [self.encrypted_extensions(), self.certificate(), self.certificate_verify(),
                self.server_finished()]

    def send_flight(self, msgs, extra=b""):
        """The encrypted flight in one record; then the server sends under its application key."""
        self.send_sealed(HANDSHAKE, b"".join(msgs) + extra)
        self.tx = Keys(self.s_ap)

    def receive_client_finished(self):
        ctype, msg = self.read_sealed()
        if ctype != HANDSHAKE or msg[:1] != u8(FINISHED):
            raise PeerClosed("expected the client's Finished, got type %d" % ctype)
        if msg[4:] != finished_mac(self.c_hs, self.transcript):
            self.send_sealed(ALERT, alert(ALERTS["decrypt_error"]))
            raise PeerClosed("client Finished does not verify")
        self.hs(msg)
        self.rx = Keys(self.c_ap)

    def handshake(self):
        self.receive_client_hello()
        self.send_server_hello()
        self.send_flight(self.honest_flight())
        self.receive_client_finished()

    # -- application data
    def serve(self, on_data=None, on_close=None):
        """Echoes application data until the client's close_notify (answered with ours).
        on_data(data) replaces the echo; the client's KeyUpdate is followed (section 4.6.3)."""
        while True:
            ctype, content = self.read_sealed()
            if ctype == ALERT:
                if content[1:2] == u8(0):
                    if on_close is None:
                        self.send_sealed(ALERT, alert(0, WARNING))
                    else:
                        on_close()
                return
            if ctype == HANDSHAKE:
                if content[:1] != u8(KEY_UPDATE):
                    raise PeerClosed("unexpected handshake message %d" % content[0])
                self.rx = self.rx.next()
                self.key_update_due = False
                if content[4:5] == b"\x01":
                    self.send_sealed(HANDSHAKE, key_update(False))
                    self.tx = self.tx.next()
                continue
            if ctype == APPLICATION_DATA:
                if self.key_update_due:
                    # Section 4.6.3: its KeyUpdate must come before its next application data.
                    self.send_sealed(ALERT, alert(ALERTS["unexpected_message"]))
                    raise PeerClosed("client sent data before answering our KeyUpdate")
                if on_data is None:
                    self.send_sealed(APPLICATION_DATA, content)
                else:
                    on_data(content)
