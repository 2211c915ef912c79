"""Helpers for the reliability suite: input-file builders, a `validate` runner and the accounting check.

Every corpus case goes through :func:`assert_accounted`: either the file is refused (exit code
2, a message naming the file and what to do, and no row claimed as used), or every row read is
used or rejected: ``rows_read == rows_used + rows_rejected``, with the rejected rows written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from flo_bayes.cli import app
from flo_bayes.config import Config, config_from_dict
from flo_bayes.io.inputs import LoadedInput
from flo_bayes.io.load import load_input, prepare_loaded

# Rows after the analysis date are printed as "held out", the rest of the rejected rows as
# "rejected"; rejected_rows.csv holds both, so "rejected" below counts both.
_COUNTS = re.compile(
    r"rows read (\d+), used (\d+), (?:held out (\d+) \(after the analysis date\), )?"
    r"rejected (\d+); customers (\d+)"
)
_ALL_REJECTED = re.compile(r"all (\d+) data rows were rejected")


@dataclass
class ValidateResult:
    """What `flo-bayes validate` said about a file."""

    exit_code: int
    stdout: str
    stderr: str
    path: Path
    counts: dict[str, int] | None
    rejected: pl.DataFrame | None

    @property
    def message(self) -> str:
        return self.stdout + self.stderr

    def reasons(self) -> dict[int, str]:
        """Rejected line number -> its reason codes."""
        assert self.rejected is not None
        return dict(zip(self.rejected["line_number"], self.rejected["reason_codes"], strict=True))

    def columns(self, line: int) -> str:
        assert self.rejected is not None
        return self.rejected.filter(pl.col("line_number") == line)["columns"].item()


def assert_accounted(result: ValidateResult) -> None:
    """Row accounting, in every case.

    Exit 0: ``rows_read == rows_used + rows_rejected`` and the rejected-rows file holds
    exactly ``rows_rejected`` rows. Exit 2: no traceback, the message names the file; if rows
    were read at all (every row rejected) the rejected file holds all of them, else nothing
    was written.
    """
    assert "Traceback" not in result.message
    if result.exit_code == 0:
        assert result.counts is not None, result.message
        assert result.counts["read"] == result.counts["used"] + result.counts["rejected"]
        assert result.rejected is not None
        assert result.rejected.height == result.counts["rejected"]
        assert result.rejected["line_number"].is_unique().all()
        return
    assert result.exit_code == 2, result.message
    assert str(result.path) in result.stderr
    assert result.counts is None
    every_row = _ALL_REJECTED.search(result.stderr)
    if result.rejected is not None:
        assert every_row, result.stderr
        assert result.rejected.height == int(every_row.group(1))


def assert_loaded_accounted(loaded: LoadedInput) -> None:
    """The same identity on a loader's result (what the manifest records)."""
    counts = loaded.row_counts
    assert counts["rows_read"] == counts["rows_used"] + counts["rows_rejected"]
    assert counts["rows_used"] == loaded.frame.height
    assert counts["rows_rejected"] == loaded.rejected.height


@pytest.fixture
def validate(tmp_path, monkeypatch):
    """Run `flo-bayes validate` in-process on a file; returns a checked :class:`ValidateResult`."""
    monkeypatch.chdir(tmp_path)  # the CLI's error log must not land in the working tree
    runner = CliRunner()

    def run(
        path: Path,
        *,
        data_format: str = "flo",
        analysis_date: date | None = None,
        config: dict | None = None,
    ) -> ValidateResult:
        rejected_path = tmp_path / f"rejected-{path.stem}.csv"
        rejected_path.unlink(missing_ok=True)
        args = ["validate", "--data", str(path), "--format", data_format]
        args += ["--rejected", str(rejected_path)]
        if analysis_date is not None:
            args += ["--analysis-date", analysis_date.isoformat()]
        if config is not None:
            config_path = tmp_path / "config.toml"
            config_path.write_text(_toml(config), encoding="utf-8")
            args += ["--config", str(config_path)]
        outcome = runner.invoke(app, args)
        found = _COUNTS.search(outcome.stdout)
        counts = None
        if found and outcome.exit_code == 0:
            read, used, held_out, rejected, customers = (int(g or 0) for g in found.groups())
            counts = {
                "read": read,
                "used": used,
                "rejected": rejected + held_out,
                "customers": customers,
            }
        result = ValidateResult(
            exit_code=outcome.exit_code,
            stdout=outcome.stdout,
            stderr=outcome.stderr,
            path=path,
            counts=counts,
            rejected=(
                pl.read_csv(rejected_path, infer_schema=False).with_columns(
                    pl.col("line_number").cast(pl.Int64)
                )
                if rejected_path.exists()
                else None
            ),
        )
        assert_accounted(result)
        if result.exit_code == 0:
            settings = config_from_dict(config or {})
            settings = settings.model_copy(
                update={
                    "data": settings.data.model_copy(update={"format": data_format}),
                    "analysis": settings.analysis.model_copy(
                        update={"analysis_date": analysis_date}
                    ),
                }
            )
            prepared = prepare_loaded(load_input(path, settings), settings)
            assert_loaded_accounted(prepared.loaded)
            assert prepared.loaded.row_counts["rows_read"] == result.counts["read"]
        return result

    return run


def _toml(config: dict) -> str:
    """A tiny TOML writer for the nested dicts of strings, bools and lists used here."""
    out: list[str] = []

    def emit(table: dict, prefix: str) -> None:
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
        if prefix:
            out.append(f"[{prefix}]")
        for key, value in scalars.items():
            out.append(f"{key} = {_toml_value(value)}")
        for key, value in table.items():
            if isinstance(value, dict):
                emit(value, f"{prefix}.{key}" if prefix else key)

    emit(config, "")
    return "\n".join(out) + "\n"


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


@pytest.fixture(scope="session")
def small_config():
    """Build the small run config (300 simulated customers, 2 x 200 draws), with changes."""
    return _small_config


def _small_config(**sections) -> Config:
    base = Config()
    update = {
        "data": base.data.model_copy(update={"simulated_customers": 300}),
        "sampler": base.sampler.model_copy(update={"chains": 2, "draws": 200, "tune": 200}),
        "prediction": base.prediction.model_copy(update={"max_draws": 200}),
    }
    for name, changes in sections.items():
        current = update.get(name, getattr(base, name))
        update[name] = current.model_copy(update=changes)
    return base.model_copy(update=update)


@pytest.fixture
def loaded_accounted():
    """The accounting check for a :class:`LoadedInput` (or a manifest's ``row_counts``)."""
    return assert_loaded_accounted
