#!/usr/bin/env bash
# Installs the Debian tools that the test suite drives as real clients (openssl, swaks, mbsync, offlineimap,
# fetchmail, ldapsearch...).
# Needs root for apt-get; without it, it says what is missing and the tests that need a tool skip with its name.
set -euo pipefail
declare -A tools=(
  [openssl]=openssl
  [swaks]=swaks
  [mbsync]=isync
  [ldapsearch]=ldap-utils
  [fetchmail]=fetchmail
  [offlineimap]=offlineimap3
)
missing=()
for cmd in "${!tools[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${tools[$cmd]}")
done
# swaks speaks TLS through these Perl modules (Debian only recommends them, and we install without recommends).
perl -MNet::SSLeay -e1 >/dev/null 2>&1 || missing+=(libnet-ssleay-perl)
perl -MIO::Socket::SSL -e1 >/dev/null 2>&1 || missing+=(libio-socket-ssl-perl)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-tools: not root; missing Debian packages: ${missing[*]}" >&2
  exit 0
fi
echo "install-test-tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
