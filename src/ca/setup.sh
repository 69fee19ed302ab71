#!/bin/sh
# Made by Dockward's CA setup. Puts the corporate TLS-inspection CA
# certificate (never a key) into this folder for builds (a BuildKit secret)
# and containers (a read-only mount):
#   @STEM@.pem     the CA certificate alone
#   ca-bundle.pem  the system's public roots plus that CA
# Both stay out of git (.gitignore) and out of build contexts (.dockerignore).
# Run it once on a machine that lacks them; it is safe to run again. Where no
# corporate CA is found, ca-bundle.pem holds the system roots alone, so
# builds and containers work as they would without it.
set -eu
cd "$(dirname "$0")"

holds_key() { grep -Eq 'PRIVATE KEY|PuTTY-User-Key' "$1"; }

ca=""
for f in "${DOCKWARD_CA_FILE:-}" "${NODE_EXTRA_CA_CERTS:-}" \
  "/Library/Application Support/Netskope/STAgent/data/nscacert.pem" \
  "/opt/netskope/stagent/data/nscacert.pem" \
  "/Library/Application Support/Zscaler/ZscalerRootCertificate-2048-SHA256.crt" \
  "/usr/local/share/ca-certificates/@STEM@.crt"; do
  [ -n "$f" ] && [ -f "$f" ] || continue
  case "$f" in *.p12|*.pfx|*.key) echo "skipping $f: a key file" >&2; continue ;; esac
  if holds_key "$f"; then echo "skipping $f: it holds a private key" >&2; continue; fi
  grep -q 'BEGIN CERTIFICATE' "$f" || continue
  ca=$f
  break
done

roots=""
for f in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
  if [ -f "$f" ]; then roots=$f; break; fi
done

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if [ -n "$roots" ]; then
  cat "$roots" >"$tmp"
elif command -v security >/dev/null 2>&1; then
  security find-certificate -a -p /System/Library/Keychains/SystemRootCertificates.keychain >"$tmp"
fi
if [ -n "$ca" ]; then
  cp "$ca" @STEM@.pem
  cat "$ca" >>"$tmp"
  echo "CA certificate from $ca"
else
  : >@STEM@.pem
  echo "no corporate CA found (set DOCKWARD_CA_FILE=/path/to/ca.pem to choose one); builds run without it"
fi
chmod 0644 @STEM@.pem
mv "$tmp" ca-bundle.pem
chmod 0644 ca-bundle.pem
trap - EXIT
