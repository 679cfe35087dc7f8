#!/usr/bin/env bash
# The page tests (test/web) drive Debian's Chromium; playwright-core never downloads a browser.
# Installs the Debian package when /usr/bin/chromium is missing (as root, or through sudo), so
# `pnpm test` and .ci/run work on a fresh machine. Set TL_CHROMIUM to use another binary.
set -uo pipefail
target="${TL_CHROMIUM:-/usr/bin/chromium}"
[ -x "$target" ] && exit 0
if [ -n "${TL_CHROMIUM:-}" ]; then
  echo "ensure-chromium: TL_CHROMIUM=$target is not an executable" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no $target and no apt-get: install Chromium and set TL_CHROMIUM to its path" >&2
  exit 1
fi
run=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then run=(sudo -n); else
    echo "ensure-chromium: installing Debian's chromium needs root: run 'apt-get install -y chromium' as root" >&2
    exit 1
  fi
fi
echo "ensure-chromium: installing Debian's chromium package for the page tests"
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get install -y -q chromium >/dev/null 2>&1 || { "${run[@]}" apt-get update -q >/dev/null 2>&1 && "${run[@]}" apt-get install -y -q chromium >/dev/null; }
[ -x "$target" ] || { echo "ensure-chromium: apt-get did not install $target" >&2; exit 1; }
