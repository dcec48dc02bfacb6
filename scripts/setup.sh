#!/usr/bin/env bash
# Set up casefilm in this checkout and run the demo or the tests.
#
#   ./scripts/setup.sh demo [DIR]   system tools, .venv, Python and npm packages; then the demo
#   ./scripts/setup.sh test         the same plus Chromium; then the whole test suite
#
# Idempotent: a second run only checks. System packages come from apt-get when missing and
# running as root; otherwise one line says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"
case "$mode" in
  demo|test) ;;
  *) echo "usage: $0 demo [DIR] | test" >&2; exit 2 ;;
esac

need=(ffmpeg:ffmpeg ffprobe:ffmpeg espeak-ng:espeak-ng node:nodejs npm:npm)
[ "$mode" = test ] && need+=(chromium:chromium)
missing=()
for pair in "${need[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
# the rough cut's and clips' cards, lower thirds and captions (pipeline/compose/mpy.py)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]} with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing ${missing[*]}: install with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

py=python3
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "setup: Python 3.11 or newer is required (found $("$py" --version 2>&1))" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$py" -m venv .venv
fi
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
# torch first and pinned: openai-whisper would otherwise pull a multi-GB CUDA build
.venv/bin/python -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "2.13.0")' \
  2>/dev/null || "${pip[@]}" "torch==2.13.0"
"${pip[@]}" -e ".[test]"

if [ ! -f node_modules/hls.js/dist/hls.min.js ] || [ ! -f node_modules/axe-core/axe.min.js ] \
    || [ ! -f node_modules/lunr-languages/min/lunr.de.min.js ]; then
  echo "setup: installing npm packages (hls.js, axe-core, lunr, lunr-languages)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$mode" = demo ]; then
  exec .venv/bin/casefilm demo "${2:-casefilm-demo}"
else
  exec .venv/bin/python -m pytest "${@:2}"
fi
