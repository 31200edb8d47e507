#!/usr/bin/env bash
# Set up, fetch/install the en→ko and en→zh models (online, or from models/*.argosmodel), then
# open the app on the sample article.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/venv.sh" requirements.txt
cd "$root"
.venv/bin/python -m workbench setup
exec .venv/bin/python -m workbench app "$@"
