#!/usr/bin/env bash
# Installs the system packages Outflow's tests use on Debian/Ubuntu (run as root). Idempotent:
# packages already present are skipped, so it costs nothing on a prepared machine.
set -euo pipefail
packages=(chromium nftables iptables conntrack iproute2 bpftrace lsof shellcheck libxml2-utils build-essential python3 procps coreutils)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-system: run as root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
