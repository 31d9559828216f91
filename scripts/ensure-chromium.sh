#!/bin/sh
# Browser tests drive Debian's Chromium; install it when it is missing (needs root or sudo),
# with Debian's Noto CJK fonts so the Chinese names in screenshots are drawn, not boxes.
set -e
missing=""
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  missing="chromium"
fi
if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  missing="$missing fonts-noto-cjk"
fi
[ -n "$missing" ] || exit 0
echo "installing for the browser tests:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# shellcheck disable=SC2086  # one word per package
$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
