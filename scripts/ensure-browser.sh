#!/usr/bin/env bash
# Install Debian's chromium + chromium-driver for the browser tests when missing and we may (root + apt-get).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian chromium and chromium-driver for the browser tests..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "error: /usr/bin/chromium is missing and cannot be installed (not root or no apt-get); CI needs it." >&2
  exit 1
fi
echo "note: /usr/bin/chromium is missing and cannot be installed here: browser tests will be skipped."
