#!/usr/bin/env bash
# Installs Chromium (Debian's `chromium` package) when no Chromium is on PATH; does nothing when one is.
# Used for the deploy report's screenshot test (test/unit/report/deploy-report.test.ts). Idempotent; needs root
# (or sudo) and the Debian package mirror. Prints the browser's path.
set -euo pipefail
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then command -v "$b"; exit 0; fi
done
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "ensure-chromium: not root and no sudo: install the 'chromium' package yourself" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
command -v chromium
