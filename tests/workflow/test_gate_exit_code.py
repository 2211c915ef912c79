"""A real run whose fits fail the convergence gate: results written, marked, exit code 3."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from flo_bayes.cli import GATE_FAILED_EXIT_CODE, app

pytestmark = pytest.mark.fit

# Real NUTS fits on 200 simulated customers; no short chain reaches a bulk ESS of one million,
# so the gate must fail on ess_bulk for every parameter of both models.
FAILING_GATE_CONFIG = """
[data]
simulated_customers = 200

[sampler]
chains = 2
draws = 60
tune = 60

[prediction]
max_draws = 60
keep_draws = 20

[convergence]
ess_bulk_min = 1000000

[output]
report = false
"""


def test_failed_gate_exits_3_and_marks_every_export(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(FAILING_GATE_CONFIG, encoding="utf-8")
    out = tmp_path / "run"

    result = CliRunner().invoke(app, ["run", "--config", str(config), "--out", str(out)])

    assert result.exit_code == GATE_FAILED_EXIT_CODE == 3, result.output
    assert "CONVERGENCE GATE FAILED" in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"  # the results are complete, only untrusted
    assert manifest["convergence"]["passed"] is False
    failed = {(f["target"], f["check"]) for f in manifest["convergence"]["failures"]}
    for target in ("bgnbd.r", "bgnbd.alpha", "bgnbd.a", "bgnbd.b", "gamma_gamma.p"):
        assert (target, "ess_bulk") in failed
    customers = pl.read_parquet(out / "customers.parquet")
    assert customers.height == 200
    assert customers["convergence_passed"].to_list() == [False] * 200
