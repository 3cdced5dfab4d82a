#!/bin/sh
# Installs Debian's chromium (and a CJK font, so Chinese text renders) for the browser tests when missing.
# Quiet and idempotent: does nothing when /usr/bin/chromium is there; prints apt's log only on failure.
set -eu
[ -x /usr/bin/chromium ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-zenhei; } >"$LOG" 2>&1; then
    cat "$LOG" >&2
    echo "chromium did not install, so the browser tests cannot run; see the apt log above" >&2
    exit 1
fi
