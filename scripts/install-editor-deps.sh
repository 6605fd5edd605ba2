#!/usr/bin/env bash
# Install what the VS Code client's end-to-end test needs: Debian's Chromium,
# the headers code-server's native modules build against, and code-server
# itself (cached outside the repo, reused when the version matches).
#
# Env: RULESCOPE_E2E_CACHE (default ~/.cache/rulescope-e2e),
#      CODE_SERVER_VERSION (default 4.100.3, the last line that runs on Node 20).
set -euo pipefail

CACHE="${RULESCOPE_E2E_CACHE:-$HOME/.cache/rulescope-e2e}"
VERSION="${CODE_SERVER_VERSION:-4.100.3}"
PREFIX="$CACHE/code-server-$VERSION"

install_debian_packages() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v rg >/dev/null || missing+=(ripgrep)
  command -v pkg-config >/dev/null || missing+=(pkg-config)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
  if ((${#missing[@]} == 0)); then
    return
  fi
  echo "install-editor-deps: apt-get install ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# @vscode/ripgrep's postinstall downloads a release archive unless it finds one
# in its tmp cache; this machine reaches no release host, so seed the cache
# with Debian's rg under the exact name the postinstall looks for.
seed_ripgrep_cache() {
  local work rg_version tag tmp
  work="$(mktemp -d)"
  (cd "$work" && npm pack --silent "code-server@$VERSION" >/dev/null && tar xzf ./*.tgz)
  rg_version="$(node -e '
    const s = require(process.argv[1]);
    console.log(s.packages["node_modules/@vscode/ripgrep"].version);
  ' "$work/package/lib/vscode/npm-shrinkwrap.json")"
  (cd "$work" && npm pack --silent "@vscode/ripgrep@$rg_version" >/dev/null)
  mkdir -p "$work/rg" && tar xzf "$work/vscode-ripgrep-$rg_version.tgz" -C "$work/rg"
  tag="$(sed -n "s/^const VERSION = '\(.*\)';/\1/p" "$work/rg/package/lib/postinstall.js")"
  tmp="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$rg_version"
  mkdir -p "$tmp" "$work/rgbin"
  cp "$(command -v rg)" "$work/rgbin/rg"
  tar czf "$tmp/ripgrep-$tag-x86_64-unknown-linux-musl.tar.gz" -C "$work/rgbin" rg
  echo "install-editor-deps: seeded $tmp for @vscode/ripgrep $rg_version ($tag)" >&2
  rm -rf "$work"
}

install_code_server() {
  if [[ -x "$PREFIX/node_modules/.bin/code-server" ]]; then
    echo "install-editor-deps: code-server $VERSION cached at $PREFIX" >&2
    return
  fi
  seed_ripgrep_cache
  mkdir -p "$PREFIX"
  [[ -f "$PREFIX/package.json" ]] || echo '{"private": true}' >"$PREFIX/package.json"
  echo "install-editor-deps: npm install code-server@$VERSION into $PREFIX (a few minutes)" >&2
  (cd "$PREFIX" && npm_config_yes=true npm install --no-audit --no-fund \
    "code-server@$VERSION" >"$PREFIX/install.log" 2>&1) || {
    tail -40 "$PREFIX/install.log" >&2
    exit 1
  }
}

install_debian_packages
install_code_server
echo "$PREFIX/node_modules/.bin/code-server"
