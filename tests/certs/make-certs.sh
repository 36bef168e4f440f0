#!/bin/sh
# Creates test certificates in DIR (default: build/certs), valid for a year:
#   ca.pem / ca.der / ca.key           P-256 root CA "ussl test CA"
#   server.pem / server.der / server.key   P-256 leaf for localhost (SAN DNS:localhost, IP:127.0.0.1)
#   other-ca.pem / other-ca.der        an unrelated P-256 CA (for "wrong CA" tests)
# Only the openssl CLI is needed. Existing files are kept unless FORCE=1.
set -eu
DIR=${1:-build/certs}
mkdir -p "$DIR"
cd "$DIR"
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
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
    -days 365 -sha256 -extfile server.ext 2>/dev/null
openssl x509 -in ca.pem -outform DER -out ca.der
openssl x509 -in other-ca.pem -outform DER -out other-ca.der
openssl x509 -in server.pem -outform DER -out server.der
rm -f server.csr server.ext ca.srl
