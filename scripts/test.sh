#!/usr/bin/env bash
# Set up and run every test. Builds the product environment (.venv, as scripts/start.sh does) and
# the test environment (.venv-test); tests/test_install.py checks the product one works without
# torch, stanza or spacy. Installs Debian's chromium for the browser test when it can (root, or sudo
# without a password); without it the browser test is skipped, except under CI where it fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/venv.sh" product
source "$root/scripts/venv.sh" test
cd "$root"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; elif sudo -n true 2>/dev/null; then apt_get="sudo apt-get"; else apt_get=""; fi
  if [ -n "$apt_get" ]; then
    echo "installing chromium for the browser test" >&2
    ($apt_get update -qq && DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq chromium fonts-noto-cjk) >/dev/null 2>&1 \
      || echo "warning: could not install chromium" >&2
  fi
fi
export PARALLAX_PRODUCT_VENV="$root/.venv"
exec .venv-test/bin/python -m pytest -n 2 "$@"
