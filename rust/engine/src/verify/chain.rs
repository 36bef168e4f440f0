//! Chain building and checking: leaf -> issuer found among the presented certificates or
//! the trust anchors, signatures, validity, CA constraints, key usage, then the name.

use super::Error;
use super::cert::{Cert, HashAlg, KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN, PublicKey, SigAlg};
use super::der::{self, Reader};
use super::name::{self, Host};
use super::pending::{Curve, Pending};
use super::rsa;

/// Most certificates above the leaf (intermediates + anchor).
pub(crate) const MAX_DEPTH: usize = 5;

/// What a chain is checked against.
pub struct Policy<'a> {
    /// Trust anchors: one or more concatenated DER certificates.
    pub anchors: &'a [u8],
    /// Current unix time; None skips the validity dates (explicit opt-out).
    pub now: Option<i64>,
    /// The server's name; None: the chain is a client's (clientAuth, no name check).
    pub host: Option<Host<'a>>,
}

/// The DER certificates of a concatenated list (a malformed tail ends the list).
fn der_list(buf: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut r = Reader::new(buf);
    core::iter::from_fn(move || {
        let t = r.read().ok()?;
        (t.tag == der::SEQUENCE).then_some(t.raw)
    })
}

/// Checks that `c` was signed by `key` (ECDSA: recorded in `later`, see `pending`). Hashing
/// and the RSA check run in their own (not inlined) functions, one after the other, so that
/// their stack frames do not add up.
pub fn check_signature(c: &Cert<'_>, key: &PublicKey<'_>, later: &mut Pending) -> Result<(), Error> {
    let mut h = [0u8; 64];
    let hash = match c.sig_alg {
        SigAlg::EcdsaSha256 => HashAlg::Sha256,
        SigAlg::EcdsaSha384 => HashAlg::Sha384,
        SigAlg::RsaPkcs1(h) => h,
    };
    let n = rsa::digest(hash, &[c.tbs], &mut h);
    let h = &h[..n];
    match (c.sig_alg, key) {
        (SigAlg::EcdsaSha256 | SigAlg::EcdsaSha384, PublicKey::P256(k)) => later.push(Curve::P256, k, h, c.signature, false),
        (SigAlg::EcdsaSha256 | SigAlg::EcdsaSha384, PublicKey::P384(k)) => later.push(Curve::P384, k, h, c.signature, false),
        (SigAlg::RsaPkcs1(hash), PublicKey::Rsa { n, e }) => rsa::verify_pkcs1(n, *e, c.signature, hash, h),
        // Signature algorithm of another key type: not made by this key.
        _ => Err(Error::BadSignature),
    }
}

fn check_time(c: &Cert<'_>, now: Option<i64>) -> Result<(), Error> {
    match now {
        Some(t) if t < c.not_before => Err(Error::NotYetValid),
        Some(t) if t > c.not_after => Err(Error::Expired),
        _ => Ok(()),
    }
}

/// `c` issues a certificate with `below` intermediates between it and the leaf.
fn check_issuer(c: &Cert<'_>, below: usize, now: Option<i64>) -> Result<(), Error> {
    if !c.is_ca || c.path_len.is_some_and(|p| below > usize::from(p)) {
        return Err(Error::NotCa);
    }
    if c.key_usage.is_some_and(|ku| ku & KU_KEY_CERT_SIGN == 0) {
        return Err(Error::KeyUsage);
    }
    check_time(c, now)
}

/// Verifies the server's list (leaf first); returns the parsed leaf on success. ECDSA
/// signatures are only recorded in `later` (the first issuer candidate with the right name
/// and key type is taken for them): the caller must run `later` before trusting the peer.
pub fn verify<'c>(presented: &[&'c [u8]], policy: &Policy<'_>, later: &mut Pending) -> Result<Cert<'c>, Error> {
    let leaf = Cert::parse(presented.first().ok_or(Error::NoCertificate)?)?;
    check_time(&leaf, policy.now)?;
    if leaf.key_usage.is_some_and(|ku| ku & KU_DIGITAL_SIGNATURE == 0) || (policy.host.is_some() && leaf.eku_forbids_server)
        || (policy.host.is_none() && leaf.eku_forbids_client)
    {
        return Err(Error::KeyUsage);
    }
    let mut cur = leaf;
    let mut below = 0;
    'walk: loop {
        // Why no issuer was accepted, if one with the right name was found.
        let mut why = None;
        for a in der_list(policy.anchors) {
            // Anchors we cannot use (unsupported key, odd encoding) are simply not candidates.
            let Ok(a) = Cert::parse(a) else { continue };
            if a.subject != cur.issuer {
                continue;
            }
            match check_signature(&cur, &a.key, later).and_then(|()| check_issuer(&a, below, policy.now)) {
                Ok(()) => break 'walk,
                Err(e) => why = Some(e),
            }
        }
        if below + 1 >= MAX_DEPTH {
            return Err(Error::ChainTooLong);
        }
        for &d in &presented[1..] {
            let c = match Cert::parse(d) {
                Ok(c) => c,
                Err(Error::Unsupported) => continue,
                Err(e) => return Err(e),
            };
            if c.subject != cur.issuer || c.tbs == cur.tbs {
                continue;
            }
            match check_signature(&cur, &c.key, later).and_then(|()| check_issuer(&c, below, policy.now)) {
                Ok(()) => {
                    cur = c;
                    below += 1;
                    continue 'walk;
                }
                Err(e) => why = Some(e),
            }
        }
        return Err(why.unwrap_or(Error::UnknownCa));
    }
    if let Some(host) = &policy.host {
        name::check(leaf.san, host)?;
    }
    Ok(leaf)
}
