//! X.509 v3 certificate view over borrowed DER (RFC 5280 section 4.1).

use super::Error;
use super::der::{self, Reader};
use super::time;

// Object identifiers (contents octets).
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_RSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const OID_RSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
const OID_RSA_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];
const OID_ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];
const OID_EKU: &[u8] = &[0x55, 0x1d, 0x25];
const OID_EKU_SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
const OID_EKU_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
const OID_EKU_ANY: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

/// Hash functions used by the signatures we verify.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
}

/// Certificate signature algorithms we verify.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SigAlg {
    EcdsaSha256,
    EcdsaSha384,
    RsaPkcs1(HashAlg),
}

/// A subject public key.
#[derive(Clone, Copy, Debug)]
pub enum PublicKey<'a> {
    /// SEC1 uncompressed point (65 bytes).
    P256(&'a [u8]),
    /// SEC1 uncompressed point (97 bytes).
    P384(&'a [u8]),
    /// Modulus (big-endian magnitude) and public exponent.
    Rsa { n: &'a [u8], e: u32 },
}

/// keyUsage bits (RFC 5280 4.2.1.3), numbered from the most significant bit of the first byte.
pub(crate) const KU_DIGITAL_SIGNATURE: u16 = 1 << 0;
pub(crate) const KU_KEY_CERT_SIGN: u16 = 1 << 5;

/// The parts of a certificate the verifier uses, all borrowed from its DER.
#[derive(Clone, Copy, Debug)]
pub struct Cert<'a> {
    /// The signed part (TBSCertificate, header included): what the signature covers.
    pub tbs: &'a [u8],
    pub sig_alg: SigAlg,
    pub signature: &'a [u8],
    /// Raw DER of the Names (SEQUENCE header included), compared byte for byte.
    pub issuer: &'a [u8],
    pub subject: &'a [u8],
    pub not_before: i64,
    pub not_after: i64,
    pub key: PublicKey<'a>,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// basicConstraints pathLenConstraint.
    pub path_len: Option<u8>,
    /// keyUsage bits when the extension is present (bit n of the BIT STRING = 1 << n).
    pub key_usage: Option<u16>,
    /// extKeyUsage present and allows neither serverAuth nor anyExtendedKeyUsage.
    pub eku_forbids_server: bool,
    /// extKeyUsage present and allows neither clientAuth nor anyExtendedKeyUsage.
    pub eku_forbids_client: bool,
    /// subjectAltName contents (the GeneralNames SEQUENCE body), if present.
    pub san: Option<&'a [u8]>,
}

/// The signature AlgorithmIdentifier. Errors: unknown algorithm -> Unsupported.
fn sig_alg(body: &[u8]) -> Result<SigAlg, Error> {
    let mut r = Reader::new(body);
    let oid = r.expect(der::OID)?;
    let alg = match oid {
        OID_ECDSA_SHA256 => SigAlg::EcdsaSha256,
        OID_ECDSA_SHA384 => SigAlg::EcdsaSha384,
        OID_RSA_SHA256 => SigAlg::RsaPkcs1(HashAlg::Sha256),
        OID_RSA_SHA384 => SigAlg::RsaPkcs1(HashAlg::Sha384),
        OID_RSA_SHA512 => SigAlg::RsaPkcs1(HashAlg::Sha512),
        _ => return Err(Error::Unsupported),
    };
    // RSA: parameters NULL (or absent); ECDSA: absent.
    if matches!(alg, SigAlg::RsaPkcs1(_)) {
        r.optional(der::NULL)?.map_or(Ok(()), |b| if b.is_empty() { Ok(()) } else { Err(Error::Malformed) })?;
    }
    r.finish()?;
    Ok(alg)
}

fn public_key(spki: &[u8]) -> Result<PublicKey<'_>, Error> {
    let mut r = Reader::new(spki);
    let mut alg = Reader::new(r.expect(der::SEQUENCE)?);
    let bits = der::bit_string_bytes(r.expect(der::BIT_STRING)?)?;
    r.finish()?;
    match alg.expect(der::OID)? {
        OID_EC_PUBLIC_KEY => {
            let curve = alg.expect(der::OID)?;
            alg.finish()?;
            // Uncompressed points only (what certificates carry in practice).
            match (curve, bits.len(), bits.first()) {
                (OID_P256, 65, Some(4)) => Ok(PublicKey::P256(bits)),
                (OID_P384, 97, Some(4)) => Ok(PublicKey::P384(bits)),
                (OID_P256 | OID_P384, _, _) => Err(Error::Malformed),
                _ => Err(Error::Unsupported),
            }
        }
        OID_RSA => {
            alg.optional(der::NULL)?;
            alg.finish()?;
            let mut k = der::only(bits, der::SEQUENCE)?;
            let n = der::unsigned(k.expect(der::INTEGER)?)?;
            let e = der::unsigned(k.expect(der::INTEGER)?)?;
            k.finish()?;
            if e.len() > 4 {
                return Err(Error::Unsupported);
            }
            let e = e.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b));
            Ok(PublicKey::Rsa { n, e })
        }
        _ => Err(Error::Unsupported),
    }
}

fn boolean(body: &[u8]) -> Result<bool, Error> {
    match body {
        [0x00] => Ok(false),
        [0xff] => Ok(true),
        _ => Err(Error::Malformed),
    }
}

impl<'a> Cert<'a> {
    /// Parses a certificate. Errors: Malformed, Unsupported (algorithm, key, unknown critical
    /// extension, version below 3 with extensions...).
    #[inline(never)]
    pub fn parse(der_bytes: &'a [u8]) -> Result<Self, Error> {
        let mut outer = der::only(der_bytes, der::SEQUENCE)?;
        let tbs = outer.read()?;
        if tbs.tag != der::SEQUENCE {
            return Err(Error::Malformed);
        }
        let sig_alg_outer = sig_alg(outer.expect(der::SEQUENCE)?)?;
        let signature = der::bit_string_bytes(outer.expect(der::BIT_STRING)?)?;
        outer.finish()?;

        let mut t = Reader::new(tbs.body);
        let version = match t.optional(der::explicit(0))? {
            Some(v) => match der::only(v, der::INTEGER)?.rest() {
                [0] => 1,
                [1] => 2,
                [2] => 3,
                _ => return Err(Error::Malformed),
            },
            None => 1,
        };
        let _serial = t.expect(der::INTEGER)?;
        let inner_alg = sig_alg(t.expect(der::SEQUENCE)?)?;
        if inner_alg != sig_alg_outer {
            return Err(Error::Malformed);
        }
        let issuer = t.read()?;
        let mut validity = Reader::new(t.expect(der::SEQUENCE)?);
        let subject = t.read()?;
        if issuer.tag != der::SEQUENCE || subject.tag != der::SEQUENCE {
            return Err(Error::Malformed);
        }
        let nb = validity.read()?;
        let na = validity.read()?;
        validity.finish()?;
        let spki = t.expect(der::SEQUENCE)?;
        // issuerUniqueID / subjectUniqueID (v2+): skipped.
        t.optional(der::implicit(1))?;
        t.optional(der::implicit(2))?;
        let mut cert = Cert {
            tbs: tbs.raw,
            sig_alg: sig_alg_outer,
            signature,
            issuer: issuer.raw,
            subject: subject.raw,
            not_before: time::parse(nb.tag, nb.body)?,
            not_after: time::parse(na.tag, na.body)?,
            key: public_key(spki)?,
            is_ca: false,
            path_len: None,
            key_usage: None,
            eku_forbids_server: false,
            eku_forbids_client: false,
            san: None,
        };
        if let Some(exts) = t.optional(der::explicit(3))? {
            if version != 3 {
                return Err(Error::Malformed);
            }
            cert.extensions(der::only(exts, der::SEQUENCE)?)?;
        }
        t.finish()?;
        Ok(cert)
    }

    fn extensions(&mut self, mut exts: Reader<'a>) -> Result<(), Error> {
        // Each known extension at most once (RFC 5280 4.2).
        let mut seen = 0u8;
        while !exts.is_empty() {
            let mut e = Reader::new(exts.expect(der::SEQUENCE)?);
            let oid = e.expect(der::OID)?;
            let critical = match e.optional(der::BOOLEAN)? {
                Some(b) => boolean(b)?,
                None => false,
            };
            let value = e.expect(der::OCTET_STRING)?;
            e.finish()?;
            let bit = match oid {
                OID_BASIC_CONSTRAINTS => {
                    let mut bc = der::only(value, der::SEQUENCE)?;
                    if let Some(b) = bc.optional(der::BOOLEAN)? {
                        self.is_ca = boolean(b)?;
                    }
                    if let Some(n) = bc.optional(der::INTEGER)? {
                        let n = der::unsigned(n)?;
                        // Path lengths beyond 255 mean "unlimited" for our depth limit.
                        self.path_len = Some(if n.len() > 1 { 255 } else { n.first().copied().unwrap_or(0) });
                    }
                    bc.finish()?;
                    1
                }
                OID_KEY_USAGE => {
                    let mut r = Reader::new(value);
                    let bits = r.expect(der::BIT_STRING)?;
                    r.finish()?;
                    // First byte = unused bits; up to 9 defined bits over two bytes.
                    let (unused, bytes) = bits.split_first().ok_or(Error::Malformed)?;
                    if *unused > 7 || bytes.len() > 2 {
                        return Err(Error::Malformed);
                    }
                    let mut ku = 0u16;
                    for (i, b) in bytes.iter().enumerate() {
                        for j in 0..8 {
                            if b & (0x80 >> j) != 0 {
                                ku |= 1 << (i * 8 + j);
                            }
                        }
                    }
                    self.key_usage = Some(ku);
                    2
                }
                OID_SAN => {
                    self.san = Some(der::only(value, der::SEQUENCE)?.rest());
                    4
                }
                OID_EKU => {
                    let mut r = der::only(value, der::SEQUENCE)?;
                    let (mut server, mut client) = (false, false);
                    while !r.is_empty() {
                        let p = r.expect(der::OID)?;
                        server |= p == OID_EKU_SERVER_AUTH || p == OID_EKU_ANY;
                        client |= p == OID_EKU_CLIENT_AUTH || p == OID_EKU_ANY;
                    }
                    self.eku_forbids_server = !server;
                    self.eku_forbids_client = !client;
                    8
                }
                _ if critical => return Err(Error::Unsupported),
                _ => 0,
            };
            if seen & bit != 0 {
                return Err(Error::Malformed);
            }
            seen |= bit;
        }
        Ok(())
    }
}
