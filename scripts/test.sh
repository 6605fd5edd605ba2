#!/usr/bin/env bash
# Install everything the tests need and run the whole suite: lint, types,
# the Python tests (index, reports, server, real editors) and the VS Code
# client's own checks.
#
# Env: CORPUS (default ../shared/corpus), the real rule corpus the tests read.
set -euo pipefail
cd "$(dirname "$0")/.."

export RULESCOPE_CORPUS="$(cd "${CORPUS:-../shared/corpus}" && pwd)"
export RULESCOPE_ARTIFACTS="${RULESCOPE_ARTIFACTS:-$(pwd)/artifacts}"
mkdir -p "$RULESCOPE_ARTIFACTS"

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e '.[test]' >/dev/null

if [ -x scripts/install-test-deps.sh ]; then
  scripts/install-test-deps.sh
fi

echo "== ruff" >&2
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy" >&2
.venv/bin/mypy

if [ -f vscode-client/package.json ]; then
  echo "== vscode-client" >&2
  (
    cd vscode-client
    npm ci --no-audit --no-fund --silent
    npm run --silent typecheck
    npm run --silent lint
    npm run --silent format:check
    npm test
  )
  echo "== vscode-client end to end (code-server + Chromium)" >&2
  bash vscode-client/e2e/run-e2e.sh
fi

echo "== pytest" >&2
.venv/bin/python -m pytest -q "$@"
