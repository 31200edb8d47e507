#!/usr/bin/env bash
# Set up and run every test. Builds the product environment (.venv, as scripts/start.sh does) and
# the test environment (.venv-test); tests/test_install.py checks the product one works without
# torch, stanza or spacy. Installs Debian's chromium for the browser test, and fonts-noto-cjk (each on
# its own: without the fonts Chromium draws Korean and Chinese as boxes) when it can (root, or sudo
# without a password); without chromium the browser test is skipped, except under CI where it fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/venv.sh" product
source "$root/scripts/venv.sh" test
cd "$root"
has_cjk_fonts() { [ -n "$(fc-list :lang=ko family 2>/dev/null)" ] && [ -n "$(fc-list :lang=zh-cn family 2>/dev/null)" ]; }
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
has_cjk_fonts || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; elif sudo -n true 2>/dev/null; then apt_get="sudo apt-get"; else apt_get=""; fi
  if [ -n "$apt_get" ]; then
    echo "installing ${need[*]} for the browser test" >&2
    ($apt_get update -qq && DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq "${need[@]}") >/dev/null 2>&1 \
      || echo "warning: could not install ${need[*]}" >&2
  else
    echo "warning: ${need[*]} not installed (no root or sudo): the browser test may skip or draw boxes" >&2
  fi
fi
export PARALLAX_PRODUCT_VENV="$root/.venv"
exec .venv-test/bin/python -m pytest -n 2 "$@"
