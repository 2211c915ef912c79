"""Benchmark harness of issue 7: our FLO pipeline against pymc-marketing 1.3's defaults.

Measures, each in a fresh process: our end-to-end FLO 20k run (stage times, peak memory,
convergence gate), pymc-marketing's defaults on the same data (both fits and
``expected_customer_lifetime_value``), the optional ``lifetimes`` recipe, both CDNOW fits
cold and warm, a run on 1,000,000 simulated customers, and ``score_customers`` alone at
20k / 200k / 1M customers; prints ratios and the issue's targets (met / MISSED) and writes
``BENCHMARKS.md``. The logic lives in :mod:`benchmarks`.

Examples
--------
Full run (about an hour on a quiet 2-core machine; the baseline alone takes ~13 min)::

    .venv/bin/python scripts/benchmark.py --markdown BENCHMARKS.md --json outputs/benchmarks.json

Only some workloads, a smaller large run::

    .venv/bin/python scripts/benchmark.py --only ours_flo,cdnow_fits,scale_1m --customers-1m 200000

Smoke run (tiny sizes, a minute or two)::

    .venv/bin/python scripts/benchmark.py --quick --only ours_flo,scoring_scale
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/ is a top-level folder of the repository, not part of the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sys

from benchmarks.cli import main

if __name__ == "__main__":
    sys.exit(main())
