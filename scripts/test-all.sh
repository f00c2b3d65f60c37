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
npm test
