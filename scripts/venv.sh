#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install a requirements file into it; quick when nothing changed.
# Usage: source scripts/venv.sh requirements.txt
set -euo pipefail
req="${1:-requirements.txt}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-}"
if [ -z "$py" ]; then
  for c in python3.11 python3.12 python3.13 python3; do
    if command -v "$c" >/dev/null 2>&1; then py="$c"; break; fi
  done
fi
if [ -z "$py" ] || ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Parallax needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
if [ ! -x "$root/.venv/bin/python" ]; then
  echo "creating .venv with $py" >&2
  "$py" -m venv "$root/.venv"
  "$root/.venv/bin/python" -m pip install -q --upgrade pip
fi
stamp="$root/.venv/.installed-$(basename "$req")"
want="$(cat "$root/$req" "$root/requirements.txt" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing $req into .venv (first time: a few minutes)" >&2
  (cd "$root" && .venv/bin/python -m pip install -q -r "$req")
  echo "$want" > "$stamp"
fi
