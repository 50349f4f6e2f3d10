#!/usr/bin/env bash
# Installs the Debian packages the project needs beyond Python: Chromium for the browser tests,
# HAProxy for several instances behind one public origin (`relais run --instances N`).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
[ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null || missing+=(haproxy)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's ${missing[*]}…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Note: missing Debian packages: ${missing[*]} (apt-get install ${missing[*]}); browser tests are skipped without chromium, relais run --instances needs haproxy." >&2
  fi
fi
