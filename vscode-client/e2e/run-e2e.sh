#!/usr/bin/env bash
# End-to-end test in real VS Code: package the extension, install it into code-server, build a
# corpus index, open a Sigma rule from the corpus in headless Chromium and check what its author
# sees (activation, Sigma language, hover, noisy-indicator diagnostic, completion, coverage,
# code lens, conversion preview, similar rules).
# Arguments go to `node --test`, e.g. --test-name-pattern=activates.
#
# Env: RULESCOPE_E2E_CACHE (code-server install, default ~/.cache/rulescope-e2e),
#      RULESCOPE_E2E_ARTIFACTS (screenshots and logs, default $RULESCOPE_ARTIFACTS/vscode-e2e,
#      else <repo>/artifacts/vscode-e2e),
#      RULESCOPE_E2E_PYTHON (default <repo>/.venv/bin/python), RULESCOPE_CORPUS.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
client="$(dirname "$here")"
repo="$(dirname "$client")"
artifacts="${RULESCOPE_E2E_ARTIFACTS:-${RULESCOPE_ARTIFACTS:-$repo/artifacts}/vscode-e2e}"
python="${RULESCOPE_E2E_PYTHON:-$repo/.venv/bin/python}"
corpus="${RULESCOPE_CORPUS:-$(cd "$repo/.." && pwd)/shared/corpus}"
rule="sigma/rules/windows/process_creation/proc_creation_win_systeminfo_execution.yml"

log() { echo "run-e2e: $*" >&2; }

code_server="$(bash "$repo/scripts/install-editor-deps.sh" | tail -1)"

cd "$client"
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run --silent package >/dev/null
npx tsc -p tsconfig.json --outDir out-test

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  # The extension host's own logs show activation errors; keep them beside the screenshots.
  [[ -d "$work/user/logs" ]] && cp -r "$work/user/logs" "$artifacts/vscode-logs" || true
  rm -rf "$work"
}
trap cleanup EXIT

rm -rf "$artifacts"
mkdir -p "$artifacts" "$work/user/User" "$work/extensions" "$work/workspace"
# A scratch copy of the rule: the completion test edits the buffer; the corpus stays untouched.
cp "$corpus/$rule" "$work/workspace/"

index="$work/index.sqlite"
log "building the corpus index from $corpus"
if ! "$python" -m rulescope index build --corpus "$corpus" --index "$index" \
  >"$artifacts/index-build.log" 2>&1; then
  log "index build failed (see $artifacts/index-build.log); the feature checks will fail"
fi
grep -h "^indexed" "$artifacts/index-build.log" >&2 || true

cat >"$work/user/User/settings.json" <<JSON
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "security.workspace.trust.enabled": false,
  "editor.wordBasedSuggestions": "off",
  "extensions.autoCheckUpdates": false,
  "telemetry.telemetryLevel": "off",
  "rulescope.interpreter": "$python",
  "rulescope.indexPath": "$index",
  "rulescope.noisyThreshold": 20,
  "rulescope.trace.server": "messages"
}
JSON

"$code_server" --install-extension "$client/rulescope-0.1.0.vsix" --force \
  --extensions-dir "$work/extensions" --user-data-dir "$work/user" >&2

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
log "starting code-server on 127.0.0.1:$port"
RULESCOPE_CORPUS="$corpus" "$code_server" --auth none --bind-addr "127.0.0.1:$port" \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --user-data-dir "$work/user" --extensions-dir "$work/extensions" \
  "$work/workspace" >"$artifacts/code-server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { log "code-server exited"; cat "$artifacts/code-server.log" >&2; exit 1; }
  sleep 1
done

E2E_URL="http://127.0.0.1:$port" E2E_WORKSPACE="$work/workspace" \
  E2E_RULE_FILE="$(basename "$rule")" E2E_ARTIFACTS="$artifacts" \
  node --test --test-reporter=spec "$@" out-test/e2e/vscode.e2e.js
