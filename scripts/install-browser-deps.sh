#!/usr/bin/env bash
# Installs the browser tests' npm packages (playwright-core, pinned by
# e2e/browser/package-lock.json) into e2e/browser/node_modules with npm ci,
# when node_modules is missing or was installed from another lock file.
# playwright-core downloads no browser: the tests drive /usr/bin/chromium.
# Quiet when up to date.
set -euo pipefail
dir="$(cd "$(dirname "$0")/../e2e/browser" && pwd)"
stamp="$dir/node_modules/.installed-from"
want="$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && exit 0
echo "installing e2e/browser npm packages (npm ci)" >&2
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
echo "$want" >"$stamp"
