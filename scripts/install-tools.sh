#!/usr/bin/env bash
# Installs the Debian packages the tests run, when missing: the JDK's
# keytool and OpenSSL 3 (the virtual-host keystore tests open the PKCS#12
# files registryd writes with both). Quiet when everything is there.
set -euo pipefail
missing=()
command -v keytool >/dev/null || missing+=(default-jre-headless)
command -v openssl >/dev/null || missing+=(openssl)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing ${missing[*]} (apt-get)" >&2
$sudo apt-get update -q
$sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
