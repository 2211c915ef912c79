#!/usr/bin/env bash
# Create .venv with the Python that .python-version selects (3.12 via pyenv) and install
# flo_bayes with the given extras, e.g. `scripts/setup.sh test`.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if [ ! -x .venv/bin/python ]; then
    python -m venv .venv   # pyenv's shim picks the version named in .python-version
fi
.venv/bin/python -c 'import sys; assert sys.version_info >= (3, 12), "flo_bayes needs Python >= 3.12 (see .python-version)"'
.venv/bin/python -m pip install --quiet --upgrade pip
if [ -n "$extras" ]; then
    .venv/bin/python -m pip install --quiet -e ".[${extras}]"
else
    .venv/bin/python -m pip install --quiet -e .
fi
