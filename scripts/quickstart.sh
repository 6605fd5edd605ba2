#!/usr/bin/env bash
# Install rulescope into .venv, build the corpus index and show what it holds.
#
# Env: CORPUS (default ../shared/corpus), the folder holding sigma/, elastic/,
#      splunk/ and sentinel/; RULESCOPE_INDEX, where the index is written
#      (default: the user cache directory); TECHNIQUE (default T1059.001).
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS="${CORPUS:-../shared/corpus}"
TECHNIQUE="${TECHNIQUE:-T1059.001}"

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e . >/dev/null

rulescope=(.venv/bin/python -m rulescope)
"${rulescope[@]}" index build --corpus "$CORPUS"
"${rulescope[@]}" index stats
if "${rulescope[@]}" coverage --help >/dev/null 2>&1; then
  echo
  "${rulescope[@]}" coverage "$TECHNIQUE" --format text
fi
cat <<MSG

Connect an editor: the language server is '$(pwd)/.venv/bin/python -P -m rulescope serve'.
VS Code: build and install the extension from vscode-client/ (see vscode-client/README.md)
and set "rulescope.interpreter" to '$(pwd)/.venv/bin/python'.
Neovim, Helix, Zed and Emacs: see docs/editors.md.
MSG
