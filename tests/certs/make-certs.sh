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
