#!/usr/bin/env bash
# Install Pango (WeasyPrint's text layout, for billing's PDF documents) when missing and we may (root + apt-get).
set -euo pipefail
if ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' && ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0'; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's Pango (libpango-1.0-0, libpangoft2-1.0-0) for the PDF documents..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null
  exit 0
fi
echo "error: Pango (libpango-1.0-0, libpangoft2-1.0-0) is missing and cannot be installed here (not root or no" \
  "apt-get): install them for PDF documents (billing)." >&2
exit 1
