#!/usr/bin/env bash
# Installs the Debian 12 packages the end-to-end tests need (the tests start their own private
# instances from test/support/*.ts), and makes sure no system service started by these packages
# keeps running. Idempotent; prints nothing unless something fails.
#
#   .ci/install-deps.sh            (as root, or with sudo available)
set -euo pipefail

PACKAGES=(
  prosody          # XMPP server (test/support/prosody.ts)
  ejabberd         # XMPP server (test/support/ejabberd.ts), pulls in Erlang
  rtpengine-daemon # media relay, userspace mode (test/support/rtpengine.ts)
  sip-tester       # sipp (test/support/sipp.ts)
  docker-compose   # `docker-compose -f FILE config` validates the compose file without an engine
  procps           # pgrep/pkill, used below and in the leftover-process checks
)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  SUDO=(sudo)
fi

LOG=$(mktemp -t install-deps.XXXXXX.log)
POLICY=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
  if [ "$created_policy" = 1 ]; then "${SUDO[@]}" rm -f "$POLICY"; fi
  rm -f "$LOG"
}
trap cleanup EXIT

run() {
  if ! "$@" >>"$LOG" 2>&1; then
    echo "install-deps: failed: $*" >&2
    tail -n 60 "$LOG" >&2
    exit 1
  fi
}

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  # Keep maintainer scripts from starting the services at all (the Docker-image trick).
  if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
    "${SUDO[@]}" chmod 755 "$POLICY"
    created_policy=1
  fi
  run "${SUDO[@]}" apt-get update -qq
  run "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Stop and disable the system services, whatever started them (systemd, sysvinit, an earlier install).
if [ -d /run/systemd/system ]; then
  # epmd.socket (from erlang-base) would otherwise listen on port 4369 on all interfaces.
  for unit in ejabberd.service prosody.service rtpengine-daemon.service epmd.socket epmd.service; do
    if [ -n "$(systemctl list-unit-files --no-legend "$unit" 2>/dev/null)" ]; then
      run "${SUDO[@]}" systemctl disable --now "$unit"
    fi
  done
else
  for svc in ejabberd prosody rtpengine-daemon; do
    if [ -x "/etc/init.d/$svc" ]; then "${SUDO[@]}" "/etc/init.d/$svc" stop >>"$LOG" 2>&1 || true; fi
  done
fi

# Leftovers of the system services only (matched on their system config/node), never test instances.
leftovers() {
  pgrep -f 'beam.*-s?name ejabberd@|/usr/bin/prosody( -F)?$|rtpengine .*(/etc/rtpengine|/run/rtpengine)|epmd( .*)? -(daemon|systemd)' || true
}
pids=$(leftovers)
if [ -n "$pids" ]; then
  # shellcheck disable=SC2086
  "${SUDO[@]}" kill $pids 2>/dev/null || true
  for _ in $(seq 1 50); do
    pids=$(leftovers)
    [ -z "$pids" ] && break
    sleep 0.1
  done
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    "${SUDO[@]}" kill -9 $pids 2>/dev/null || true
  fi
fi

for tool in prosody prosodyctl erl rtpengine sipp docker-compose; do
  command -v "$tool" >/dev/null 2>&1 || { echo "install-deps: $tool not found after install" >&2; exit 1; }
done
if [ -n "$(leftovers)" ]; then
  echo "install-deps: system services still running:" >&2
  leftovers | xargs -r ps -o pid,args -p >&2
  exit 1
fi
exit 0
