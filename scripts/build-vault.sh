#!/usr/bin/env bash
# build-vault.sh: build (once) the Vault server binary the tests run, and print
# its path. Idempotent and safe to run concurrently with tests: it uses the
# same cache path and lock as testkit.VaultBinary. Run it before `go test`: a
# cold build (~7 min of downloads + ~14 min compile) outlasts go test's
# default 10 min timeout.
set -euo pipefail

version=v1.21.1 # keep in step with testkit.VaultVersion
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ -n "${REGISTRY_VAULT_BIN:-}" ]]; then
	echo "$REGISTRY_VAULT_BIN"
	exit 0
fi

# os.UserCacheDir on Linux: $XDG_CACHE_HOME, else $HOME/.cache.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/hypo-registry/vault-$version"
bin="$cache/vault"
ready() { [[ -f $bin && -x $bin && -s $bin ]]; }

if ! ready; then
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock 9
	if ! ready; then
		echo "building Vault $version into $bin (cold: ~20 min)" >&2
		tmp="$(mktemp "$cache/vault.tmp.XXXXXX")"
		trap 'rm -f "$tmp"' EXIT
		start=$SECONDS
		(cd "$root/testkit/vaultserver" && GOWORK=off go build -trimpath -ldflags='-s -w' -o "$tmp" .)
		chmod 0755 "$tmp"
		mv -f "$tmp" "$bin"
		echo "built Vault in $((SECONDS - start))s" >&2
	fi
	exec 9>&-
fi
echo "$bin"
