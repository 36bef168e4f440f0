#!/bin/sh
# Creates test certificates in DIR (default: build/certs), valid for a year:
#   ca.pem / ca.der / ca.key           P-256 root CA "ussl test CA"
#   server.pem / server.der / server.key   P-256 leaf for localhost (SAN DNS:localhost, IP:127.0.0.1)
#   other-ca.pem / other-ca.der        an unrelated P-256 CA (for "wrong CA" tests)
#   rsa-ca.pem / rsa-ca.der / rsa-ca.key           RSA-2048 root CA "ussl test RSA CA"
#   rsa-server.pem / rsa-server.der / rsa-server.key   RSA-2048 leaf for localhost, signed by it
#                                      (make bench's ECDHE-RSA case; made apart from the P-256 set)
# Only the openssl CLI is needed. Existing files are kept unless FORCE=1.
set -eu
DIR=${1:-build/certs}
mkdir -p "$DIR"
cd "$DIR"
leaf_ext() {
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature%s\nextendedKeyUsage=serverAuth\n' "$1" > server.ext
}
# The RSA set is checked on its own, so adding it to an existing directory keeps the P-256 files.
if [ ! -s rsa-server.der ] || [ ! -s rsa-ca.der ] || [ "${FORCE:-0}" = 1 ]; then
    rsa="-newkey rsa:2048"
    openssl req -x509 $rsa -nodes -keyout rsa-ca.key -out rsa-ca.pem -days 365 -sha256 \
        -subj "/CN=ussl test RSA CA" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -new $rsa -nodes -keyout rsa-server.key -out rsa-server.csr -subj "/CN=localhost" 2>/dev/null
    leaf_ext ",keyEncipherment"
    openssl x509 -req -in rsa-server.csr -CA rsa-ca.pem -CAkey rsa-ca.key -CAcreateserial -out rsa-server.pem \
        -days 365 -sha256 -extfile server.ext 2>/dev/null
    openssl x509 -in rsa-ca.pem -outform DER -out rsa-ca.der
    openssl x509 -in rsa-server.pem -outform DER -out rsa-server.der
    rm -f rsa-server.csr server.ext rsa-ca.srl
fi
# Client certificates (mutual TLS), checked on their own like the RSA set:
#   client-ca.pem                      P-256 CA the test servers trust for clients (-CAfile)
#   client.pem / client.der            P-256 client leaf signed by it
#   client.key / client.key.der        its key as PKCS#8 ("PRIVATE KEY"), PEM and DER
#   client-sec1.key / client-sec1.der  the same key as SEC1 ("EC PRIVATE KEY"), PEM and DER
#   client-chain.pem / client-chain.key  a leaf under an intermediate: leaf + intermediate
#   rogue-client.pem / rogue-client.key  a client leaf from another CA (servers reject it)
#   client-rsa.key                     an RSA-2048 key (refused: P-256 only)
if [ ! -s client-chain.pem ] || [ ! -s client-sec1.der ] || [ "${FORCE:-0}" = 1 ]; then
    ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
    openssl req -x509 $ec -nodes -keyout client-ca.key -out client-ca.pem -days 365 -sha256 \
        -subj "/CN=ussl test client CA" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -x509 $ec -nodes -keyout rogue-ca.key -out rogue-ca.pem -days 365 -sha256 \
        -subj "/CN=ussl rogue client CA" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n' > client.ext
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' > client-int.ext
    leaf() { # name CA-cert CA-key
        openssl req -new $ec -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=ussl test client" 2>/dev/null
        openssl x509 -req -in "$1.csr" -CA "$2" -CAkey "$3" -CAcreateserial -out "$1.pem" \
            -days 365 -sha256 -extfile "${4:-client.ext}" 2>/dev/null
        rm -f "$1.csr"
    }
    leaf client client-ca.pem client-ca.key
    leaf rogue-client rogue-ca.pem rogue-ca.key
    leaf client-int client-ca.pem client-ca.key client-int.ext
    leaf client-leaf2 client-int.pem client-int.key
    cat client-leaf2.pem client-int.pem > client-chain.pem
    mv client-leaf2.key client-chain.key
    openssl x509 -in client.pem -outform DER -out client.der
    openssl pkcs8 -topk8 -nocrypt -in client.key -outform DER -out client.key.der
    openssl ec -in client.key -out client-sec1.key 2>/dev/null
    openssl ec -in client.key -outform DER -out client-sec1.der 2>/dev/null
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client-rsa.key 2>/dev/null
    rm -f client.ext client-int.ext client-leaf2.pem client-int.key ./*.srl
fi
if [ -s server.pem ] && [ -s ca.der ] && [ -s other-ca.der ] && [ "${FORCE:-0}" != 1 ]; then
    exit 0
fi
curve="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
openssl req -x509 $curve -nodes -keyout ca.key -out ca.pem -days 365 -sha256 \
    -subj "/CN=ussl test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -x509 $curve -nodes -keyout other-ca.key -out other-ca.pem -days 365 -sha256 \
    -subj "/CN=ussl other CA" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
openssl req -new $curve -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
leaf_ext ""
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
    -days 365 -sha256 -extfile server.ext 2>/dev/null
openssl x509 -in ca.pem -outform DER -out ca.der
openssl x509 -in other-ca.pem -outform DER -out other-ca.der
openssl x509 -in server.pem -outform DER -out server.der
rm -f server.csr server.ext ca.srl
