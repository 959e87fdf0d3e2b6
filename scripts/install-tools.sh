#!/usr/bin/env bash
# Installs the Debian packages the tests run, when missing: the JDK's
# keytool and OpenSSL 3 (the virtual-host keystore tests open the PKCS#12
# files registryd writes with both), Chromium and Node.js (the browser
# tests in e2e/browser drive /usr/bin/chromium with playwright-core).
# Then the browser tests' npm packages, when node_modules is missing or
# installed from another lock file. Quiet when everything is there.
set -euo pipefail
missing=()
command -v keytool >/dev/null || missing+=(default-jre-headless)
command -v openssl >/dev/null || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Text in the screenshots needs one font; Chromium only recommends some.
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "installing ${missing[*]} (apt-get)" >&2
	$sudo apt-get update -q
	# env: after an empty $sudo, VAR=value would be taken for the command.
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
exec "$(dirname "$0")/install-browser-deps.sh"
