#!/usr/bin/env bash
# Debian packages the product needs at run time (WeasyPrint's Pango, fonts).
# Installs what is missing when run as root; otherwise says what to install.
# More packages on request, e.g. Chromium for the browser test (skipped without it):
#   EXTRA_DEBIAN_PACKAGES=chromium make system-deps
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core shared-mime-info poppler-utils)
missing=()
for pkg in "${packages[@]}" ${EXTRA_DEBIAN_PACKAGES:-}; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
