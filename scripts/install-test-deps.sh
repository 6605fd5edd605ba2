#!/usr/bin/env bash
# Install the real programs the tests drive, from Debian's packages: Neovim
# (the editor test) and Chromium (the static site and VS Code tests, driven by
# Playwright). Only what is missing is installed; needs root, as CI has.
set -euo pipefail

missing=()
command -v nvim >/dev/null || missing+=(neovim)
command -v chromium >/dev/null || missing+=(chromium)
if ((${#missing[@]} > 0)); then
  echo "install-test-deps: apt-get install ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
