#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian 12 machine (Debian packages: Prosody, ejabberd,
# rtpengine, sipp, docker-compose; npm packages from package-lock.json), then runs every test tier:
# typecheck, lint, format, unit, deployment checks and end-to-end against the real servers.
# Run as root (or with sudo available for apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
  bash .ci/install-deps.sh
else
  sudo bash .ci/install-deps.sh
fi
npm ci --no-audit --no-fund

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
npm test 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line with the totals of Node's test runner.
passed=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)
failed=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
if [ -n "$passed" ]; then echo "${passed} passed, ${failed:-0} failed"; fi
exit "$status"
