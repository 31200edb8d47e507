#!/usr/bin/env bash
# Create a virtual environment (Python 3.11+) and install Parallax into it; quick when nothing changed.
# Usage: source scripts/venv.sh          .venv: the product only (no torch, stanza or spacy)
#        source scripts/venv.sh test     .venv-test: the product, the test tools and the full Argos
#                                        stack that some tests compare against
# Both get the `parallax` command (an editable install of this folder: bin/parallax).
set -euo pipefail
kind="${1:-product}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$kind" in
  product) venv="$root/.venv" ;;
  test) venv="$root/.venv-test" ;;
  *) echo "usage: source scripts/venv.sh [product|test]" >&2; exit 2 ;;
esac
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
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $(basename "$venv") with $py" >&2
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
fi
stamp="$venv/.installed-$kind"
want="$(cd "$root" && cat requirements*.txt pyproject.toml | sha256sum | cut -d' ' -f1)"  # any pin changed: install again
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  pip=("$venv/bin/python" -m pip install -q)
  if [ "$kind" = product ]; then
    echo "installing Parallax into .venv (first time: a minute or two)" >&2
    (cd "$root" && "${pip[@]}" -r requirements.txt && "${pip[@]}" --no-deps -r requirements-argos.txt)
    if compgen -G "$venv/lib/python3.*/site-packages/torch" >/dev/null; then
      echo "note: .venv still holds torch from an older install; Parallax does not use it (rm -rf .venv and rerun for the lean install)" >&2
    fi
  else
    echo "installing the test environment into .venv-test (first time: a few minutes)" >&2
    (cd "$root" && "${pip[@]}" -r requirements-dev.txt)
  fi
  # Parallax itself, editable, for the `parallax` command (setuptools' editable-install warning silenced)
  (cd "$root" && PYTHONWARNINGS=ignore "${pip[@]}" --no-deps -e .)
  echo "$want" > "$stamp"
fi
