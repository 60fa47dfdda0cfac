#!/usr/bin/env bash
# Set up translate on a fresh Debian machine: Debian packages (Apertium and its pairs, poppler-utils, fonts,
# Pango for WeasyPrint) through apt-get when missing, then a virtual environment in .venv with the package.
#   bash scripts/setup.sh          # to run the tool
#   bash scripts/setup.sh --test   # also what the tests need
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

debs=(apertium apertium-eng-spa apertium-eng-cat poppler-utils fonts-dejavu-core fonts-dejavu-extra
      fonts-noto-core fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 python3-venv python3-pip)
# the tests open the HTML page in a real browser, at a phone's width and a desktop's, and drive the review page
# in it (chromium-driver, the WebDriver of the same Chromium); gettext's msgfmt checks the PO files the review
# store and 'review export' write
[ "${1:-}" = "--test" ] && debs+=(chromium chromium-driver gettext)
missing=()
for pkg in "${debs[@]}"; do
  dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$python" -m venv .venv
fi
# torch is pinned in pyproject.toml (CPU build); installing it first keeps pip from choosing a CUDA build.
pip_install() {
  .venv/bin/python -m pip install -q --disable-pip-version-check "$@" > .venv/pip.log 2>&1 \
    || { cat .venv/pip.log >&2; echo "setup: pip install $* failed" >&2; exit 1; }
}
echo "setup: installing Python packages into .venv"
pip_install --upgrade pip
pip_install "torch==2.13.0"
pip_install -e ".${extras}"
echo "setup: ready (.venv/bin/translate)"
