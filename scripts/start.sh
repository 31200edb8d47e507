#!/usr/bin/env bash
# Set up .venv (the product only), fetch/install the en→ko and en→zh models (online, or from
# models/*.argosmodel), then open the app on the sample article.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/venv.sh" product
cd "$root"
.venv/bin/parallax setup
exec .venv/bin/parallax app "$@"
