#!/usr/bin/env bash
# Installs Debian's `chromium` for the browser tests and the audit-render benchmark, when it is
# missing. The browser comes from the distribution's packages only: playwright-core is used as a
# driver, never to download a browser build of its own. CI runs as root with no stdin.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
# Liberation Sans has Helvetica's metrics, which Graphviz lays the tree labels out with.
if [[ -x "$CHROMIUM" && -d /usr/share/fonts/truetype/liberation ]]; then
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
  echo "ensure-chromium: $CHROMIUM is missing; install them as root: apt-get update && apt-get install -y chromium fonts-liberation" >&2
  exit 1
fi

echo "ensure-chromium: installing Debian's chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-liberation </dev/null
"$CHROMIUM" --version 2>/dev/null
