#!/bin/sh
# Makes a private CA and a server certificate signed by it, for testing wss locally.
#
#   ./make-certs.sh [out-dir] [name ...]        e.g. ./make-certs.sh certs localhost 127.0.0.1
#
# Writes ca.pem (give it to clients that must trust the server), server.pem + server.key (for nginx),
# server.fullchain.pem, and server.spki (the key's SHA-256 pin, for Chromium's
# --ignore-certificate-errors-spki-list). Keys never leave out-dir; keep out-dir out of version control.
# Production: use a certificate from a public CA instead (WeChat and browsers require one).
set -eu

out=${1:-certs}
[ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- localhost 127.0.0.1
first=$1

san=
for name in "$@"; do
  case $name in
    *:* | *[!0-9.]*) case $name in *:*) entry="IP:$name" ;; *) entry="DNS:$name" ;; esac ;;
    *) entry="IP:$name" ;;
  esac
  san="${san:+$san,}$entry"
done

mkdir -p "$out"
umask 077
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

# shellcheck disable=SC2086
openssl req -x509 $ec -keyout "$out/ca.key" -out "$out/ca.pem" -days 30 -subj "/CN=tidings local test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
# shellcheck disable=SC2086
openssl req $ec -keyout "$out/server.key" -out "$out/server.csr" -subj "/CN=$first" 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$san" > "$out/server.ext"
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial \
  -out "$out/server.pem" -days 30 -extfile "$out/server.ext" 2>/dev/null
cat "$out/server.pem" "$out/ca.pem" > "$out/server.fullchain.pem"
openssl x509 -in "$out/server.pem" -pubkey -noout | openssl pkey -pubin -outform der \
  | openssl dgst -sha256 -binary | openssl base64 > "$out/server.spki"
rm -f "$out/server.csr" "$out/server.ext" "$out/ca.srl"
chmod 644 "$out/ca.pem" "$out/server.pem" "$out/server.fullchain.pem" "$out/server.spki"

echo "CA:          $out/ca.pem"
echo "certificate: $out/server.fullchain.pem (for $san)"
echo "key:         $out/server.key"
echo "SPKI pin:    $(cat "$out/server.spki")"
