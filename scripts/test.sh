#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite, including the slow real-data tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check flo_bayes benchmarks tests scripts
.venv/bin/python -m pytest "$@"
