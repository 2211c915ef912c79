#!/usr/bin/env bash
# Set up (if needed) and run the full pipeline on the embedded, simulated default data set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/flo-bayes run "$@"
