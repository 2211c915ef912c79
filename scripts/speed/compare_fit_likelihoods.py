"""Fit stage, grouped vs compiled likelihood, cold and warm caches, FLO and CDNOW, one run.

Each measurement is a fresh process (the caches under test live across processes):

* cold: fresh ``NUMBA_CACHE_DIR`` and PyTensor ``base_compiledir`` (first run after install);
* warm: a second process on the caches the cold one filled.

Order per data set: grouped cold, compiled cold, grouped warm, compiled warm, so load drift on
a shared machine hits both likelihoods alike. Per process it times ``fit_models`` (both fits,
the whole fit stage) in wall and CPU seconds, then runs the convergence gate. Prints one JSON
line per process and the compiled / grouped ratios.

Usage (repository root)::

    python scripts/speed/compare_fit_likelihoods.py [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
DATASETS = {
    "FLO": (REPO / "configs" / "flo.toml", DATA / "flo_data_20k.csv"),
    "CDNOW": (REPO / "configs" / "cdnow.toml", DATA / "CDNOW_sample.txt"),
}

CHILD = """
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from pathlib import Path
from flo_bayes.config import RunOverrides, apply_overrides, load_config
from flo_bayes.io.load import prepare_input
from flo_bayes.workflow.fit import diagnose, fit_models
config = apply_overrides(load_config(Path(sys.argv[1])), RunOverrides(data_path=Path(sys.argv[2])))
config = config.model_copy(
    update={"sampler": config.sampler.model_copy(update={"likelihood": sys.argv[3]})}
)
summary = prepare_input(Path(sys.argv[2]), config).summary
t1, c1 = time.perf_counter(), time.process_time()
fitted = fit_models(summary, config)
t2, c2 = time.perf_counter(), time.process_time()
table, _, gate = diagnose(fitted, config)
print(json.dumps({
    "customers": summary.height,
    "import_and_load_wall": t1 - t0,
    "fit_wall": t2 - t1, "fit_cpu": c2 - c1,
    "gate_passed": gate.passed, "gate_failures": [str(f) for f in gate.failures],
    "max_r_hat": float(table["r_hat"].max()),
    "min_ess_bulk": float(table["ess_bulk"].min()),
    "means": {r["parameter"]: round(r["mean"], 4) for r in table.iter_rows(named=True)},
}))
"""


def _measure(dataset: str, likelihood: str, caches: Path) -> dict:
    config, data = DATASETS[dataset]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["NUMBA_CACHE_DIR"] = str(caches / "numba")
    env["PYTENSOR_FLAGS"] = f"base_compiledir={caches / 'pytensor'}"
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(config), str(data), likelihood],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{dataset} {likelihood} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_wall"] = time.perf_counter() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="cold+warm rounds per data set")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="fitcache-") as tmp:
        for repeat in range(args.repeats):
            for dataset in args.datasets:
                caches = {
                    lik: Path(tmp) / f"{dataset}-{lik}-{repeat}" for lik in ("grouped", "compiled")
                }
                for state in ("cold", "warm"):
                    for likelihood in ("grouped", "compiled"):
                        result = _measure(dataset, likelihood, caches[likelihood])
                        result |= {"dataset": dataset, "likelihood": likelihood, "state": state}
                        rows.append(result)
                        print(json.dumps(result), flush=True)
    print("\nratios compiled / grouped (same run)")
    for dataset in args.datasets:
        for state in ("cold", "warm"):
            pick = [r for r in rows if r["dataset"] == dataset and r["state"] == state]
            for key in ("fit_wall", "fit_cpu", "process_wall"):
                g = sum(r[key] for r in pick if r["likelihood"] == "grouped")
                c = sum(r[key] for r in pick if r["likelihood"] == "compiled")
                print(
                    f"  {dataset:6s} {state:5s} {key:13s} grouped {g:7.2f}  compiled {c:7.2f}"
                    f"  ratio {c / g:5.2f}"
                )


if __name__ == "__main__":
    main()
