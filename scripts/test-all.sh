#!/usr/bin/env bash
# Sets up a fresh Debian machine for OR Hub's tests and runs every test.
# Installs the Debian packages the tests use (Chromium for Playwright, Orthanc as the PACS,
# DCMTK and GDCM as reference DICOM tools), the npm dependencies, builds, and runs `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# One package per line in .ci/apt-packages.txt, plus Chromium for browser tests.
mapfile -t PKGS < <( (echo chromium; echo iproute2; cat .ci/apt-packages.txt 2>/dev/null) | sed 's/#.*//' | awk 'NF' | sort -u)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-all: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Orthanc Debian package starts a system service on install; tests start their own server.
$SUDO systemctl stop orthanc 2>/dev/null || $SUDO service orthanc stop 2>/dev/null || true

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm test
