#!/bin/sh
# Creates certificate chains for the verifier tests in DIR (default: build/chains), with the
# openssl CLI only. For each ALG in p256 p384 rsa2048 rsa4096:
#   ALG-root.pem/.der  root CA (the trust anchor)     ALG-int.pem   intermediate CA
#   ALG-leaf.pem/.key  leaf for localhost (SAN DNS:localhost, IP:127.0.0.1), signed by ALG-int
# and, under the p256 root/intermediate, leaves with one defect each (bad-*.pem, with key
# bad-*.key or p256-leaf.key), plus the intermediates they need:
#   bad-expired  bad-notyet  bad-wildcard (*.example.com)  bad-tld-wildcard (*.com)
#   bad-cn-only (CN=localhost, no SAN)  bad-keyusage (no digitalSignature)
#   bad-critical (unknown critical extension)  bad-sig (signature byte flipped)
#   bad-noca (signed by noca-int, which lacks cA)  bad-pathlen (root -> p256-int (pathlen 0)
#   -> pathlen-int2 -> leaf: chain file bad-pathlen-chain.pem)
# Existing files are kept unless FORCE=1.
set -eu
DIR=${1:-build/chains}
mkdir -p "$DIR"
cd "$DIR"
if [ -s done ] && [ "${FORCE:-0}" != 1 ]; then
    exit 0
fi
rm -rf ca-db && mkdir -p ca-db/new && : > ca-db/index.txt && echo 01 > ca-db/serial
cat > ca.cnf <<'CNF'
[ca]
default_ca = d
[d]
database = ca-db/index.txt
new_certs_dir = ca-db/new
serial = ca-db/serial
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
CNF

key() { # key NAME ALG
    case $2 in
    p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" ;;
    p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1.key" ;;
    rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" ;;
    rsa4096) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$1.key" ;;
    esac 2>/dev/null
}

md() { # digest used by issuers of ALG
    case $1 in p384) echo sha384 ;; rsa4096) echo sha512 ;; *) echo sha256 ;; esac
}

# sign NAME ISSUER MD SUBJECT EXTENSIONS [STARTDATE ENDDATE]: NAME.key must exist.
sign() {
    openssl req -new -key "$1.key" -subj "/CN=$4" -out "$1.csr" 2>/dev/null
    printf '%b\n' "$5" > "$1.ext"
    start=${6:-$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)}
    end=${7:-$(date -u -d '+365 days' +%Y%m%d%H%M%SZ)}
    openssl ca -batch -config ca.cnf -notext -rand_serial -md "$3" -cert "$2.pem" -keyfile "$2.key" \
        -in "$1.csr" -out "$1.pem" -extfile "$1.ext" -startdate "$start" -enddate "$end" 2>/dev/null
    openssl x509 -in "$1.pem" -outform DER -out "$1.der"
    rm -f "$1.csr" "$1.ext"
}

CA_EXT='basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign'
LEAF_EXT='subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth'

for alg in p256 p384 rsa2048 rsa4096; do
    m=$(md $alg)
    key $alg-root $alg
    openssl req -x509 -new -key $alg-root.key -$m -days 3650 -subj "/CN=ussl $alg root" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out $alg-root.pem 2>/dev/null
    openssl x509 -in $alg-root.pem -outform DER -out $alg-root.der
    key $alg-int $alg
    sign $alg-int $alg-root $m "ussl $alg intermediate" 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign'
    key $alg-leaf $alg
    sign $alg-leaf $alg-int $m localhost "$LEAF_EXT"
done

# Defects, all under p256-root / p256-int (leaf key reused).
cp p256-leaf.key bad.key
for n in bad-expired bad-notyet bad-wildcard bad-tld-wildcard bad-cn-only bad-keyusage bad-critical; do
    cp bad.key $n.key
done
sign bad-expired p256-int sha256 localhost "$LEAF_EXT" 20200101000000Z 20210101000000Z
sign bad-notyet p256-int sha256 localhost "$LEAF_EXT" 20400101000000Z 20410101000000Z
sign bad-wildcard p256-int sha256 www.example.com 'subjectAltName=DNS:*.example.com'
sign bad-tld-wildcard p256-int sha256 example.com 'subjectAltName=DNS:*.com'
sign bad-cn-only p256-int sha256 localhost 'basicConstraints=CA:FALSE'
sign bad-keyusage p256-int sha256 localhost 'subjectAltName=DNS:localhost\nkeyUsage=critical,keyEncipherment'
sign bad-critical p256-int sha256 localhost 'subjectAltName=DNS:localhost\n1.3.6.1.4.1.55555.1=critical,ASN1:NULL'
# Flip the last signature byte of a good leaf.
cp p256-leaf.der bad-sig.der
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[-1]^=1; open(sys.argv[1],'wb').write(b)" bad-sig.der
openssl x509 -inform DER -in bad-sig.der -out bad-sig.pem
cp bad.key bad-sig.key
# An intermediate without cA.
key noca-int p256
sign noca-int p256-root sha256 "ussl intermediate without cA" 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyCertSign'
cp bad.key bad-noca.key
sign bad-noca noca-int sha256 localhost "$LEAF_EXT"
# Path length: p256-int has pathlen 0, so it may not issue another CA that issues the leaf.
key pathlen-int2 p256
sign pathlen-int2 p256-int sha256 "ussl second intermediate" "$CA_EXT"
cp bad.key bad-pathlen.key
sign bad-pathlen pathlen-int2 sha256 localhost "$LEAF_EXT"
cat pathlen-int2.pem p256-int.pem > bad-pathlen-chain.pem
: > done
