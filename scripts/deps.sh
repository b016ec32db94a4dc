#!/usr/bin/env bash
# scripts/deps.sh: install floe's build and test dependencies on Debian 12 (as root).
# Installs only what is missing; safe to run again.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config clang
      libsqlite3-dev liblz4-dev libzstd-dev libsimde-dev libcriterion-dev libedit-dev
      libxxhash-dev libsnappy-dev zlib1g-dev libclang-rt-dev libpcre2-dev libmicrohttpd-dev sqlite3 tmux
      openssl curl)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
