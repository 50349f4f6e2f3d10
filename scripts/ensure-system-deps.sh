#!/usr/bin/env bash
# Installs the Debian packages the project needs beyond Python (Chromium for the browser tests).
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium and chromium-driver for the browser tests…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "Note: /usr/bin/chromium is missing; browser tests will be skipped (apt-get install chromium chromium-driver)." >&2
  fi
fi
