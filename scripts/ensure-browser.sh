#!/usr/bin/env bash
# Make sure the accessibility tests (tests/services/search/test_accessibility.py) have what
# they drive: Chromium and its driver (Debian packages chromium and chromium-driver), and
# axe-core from npm as locked in package-lock.json (npm ci into node_modules). Installs with
# apt-get where missing; npm ci runs again only when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
    if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi

# npm ci leaves node_modules/.package-lock.json behind: newer than the lock file, it is done.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
