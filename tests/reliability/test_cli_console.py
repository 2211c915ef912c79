"""What the command line prints and accepts: help texts, progress, warnings, hints, folders.

The pipeline and the backtest are replaced by fast stand-ins where only the CLI is under test.
"""

from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

import flo_bayes.workflow.backtest as backtest_module
import flo_bayes.workflow.run as pipeline
from flo_bayes.cli import app
from flo_bayes.config import Config
from flo_bayes.diagnostics.convergence import GateResult
from flo_bayes.io.format_hint import format_hint
from flo_bayes.io.inputs import row_count_lines
from flo_bayes.progress import ConsoleProgress
from flo_bayes.runs import RunFolder
from flo_bayes.workflow.run import gate_hints, run_warnings
from flo_bayes.workflow.segment import export_target_lists

FLO_HEADER = (
    "master_id,order_channel,last_order_channel,first_order_date,last_order_date,"
    "last_order_date_online,last_order_date_offline,order_num_total_ever_online,"
    "order_num_total_ever_offline,customer_value_total_ever_offline,"
    "customer_value_total_ever_online,interested_in_categories_12\n"
)
FLO_ROW = (
    "a1,Android App,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,4,1,139.99,799.38,[KADIN]\n"
)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- help texts -----------------------------------------------------------------------------------


def test_help_shows_flags_as_flags_and_keeps_brackets(cli):
    run_help = cli("run", "--help").stdout
    assert "--overwrite " in run_help and "<bool>" not in run_help
    assert "--language" in run_help
    assert "[campaigns]" in cli("plan", "--help").stdout
    simulate_help = cli("simulate", "--help").stdout
    assert ".py" not in simulate_help and "known parameters" in simulate_help
    backtest_help = cli("backtest", "--help").stdout
    for option in ("--format", "--seed", "--overwrite", "--quiet"):
        assert option in backtest_help


# --- row counts, gate hints, warnings --------------------------------------------------------------


def test_row_counts_read_as_lines_and_holdout_rows_are_held_out_not_rejected():
    lines = row_count_lines(
        {
            "rows_read": 100,
            "rows_used": 80,
            "rows_rejected": 20,
            "rejected_by_reason": {"after_analysis_date": 15, "unparseable_date": 5},
        }
    )
    assert lines == [
        "rows read 100, used 80, held out 15 (after the analysis date), rejected 5",
        "  rejected (unparseable_date): 5",
    ]
    assert "{" not in " ".join(lines)


def test_a_failed_gate_says_what_to_try():
    failed = GateResult(
        passed=False,
        checks=[
            {"target": "r", "check": "r_hat", "value": 1.2, "rule": "<= 1.01", "passed": False},
            {"target": "bg", "check": "divergences", "value": 3, "rule": "<= 0", "passed": False},
        ],
    )
    hints = " ".join(gate_hints(failed))
    assert "[sampler] draws and tune" in hints and "target_accept" in hints


def test_run_warnings_hold_the_data_warnings_then_the_plans():
    manifest = {
        "warnings": ["a", {"code": "all_alive", "message": "100 % alive"}],
        "campaign_plan": {"warnings": ["b", "c"]},
    }
    assert run_warnings(manifest) == ["a", "all_alive: 100 % alive", "b", "c"]
    stream = io.StringIO()
    ConsoleProgress(total=1, stream=stream).warnings(["100 % alive"])
    assert stream.getvalue() == "Warnings (1):\n  - 100 % alive\n"


def test_long_stages_print_still_running_lines():
    stream = io.StringIO()
    progress = ConsoleProgress(total=1, stream=stream, heartbeat_s=0.05)
    with progress.stage("fit"):
        time.sleep(0.3)
    text = stream.getvalue()
    assert "[1/1] fit: still running" in text and "[1/1] fit: done in" in text


def test_quiet_silences_the_sampling_libraries_and_restores_them():
    logger = logging.getLogger("pymc")
    before = logger.level
    with ConsoleProgress(total=1, quiet=True).session():
        assert not logger.isEnabledFor(logging.INFO)  # "NUTS[nutpie]: ..." is INFO
        assert not logger.isEnabledFor(logging.WARNING)  # "Only 60 samples per chain"
        assert logger.isEnabledFor(logging.ERROR)
    assert logger.level == before


# --- format hints --------------------------------------------------------------------------------


def test_format_hint_points_to_the_other_format(tmp_path):
    flo = write(tmp_path / "flo.csv", FLO_HEADER + FLO_ROW)
    log = write(tmp_path / "log.txt", " 00004 0001 19970101  2   29.33\n")
    assert "--format flo" in format_hint(flo, "transactions")
    assert "--format transactions" in format_hint(log, "flo")
    assert format_hint(flo, "flo") == ""


def test_a_flo_file_read_as_transactions_suggests_format_flo(cli, tmp_path):
    flo = write(tmp_path / "flo.csv", FLO_HEADER + FLO_ROW)
    result = cli("validate", "--data", flo, "--format", "transactions")
    assert result.exit_code == 2
    assert "try --format flo" in result.output


# --- run folders -----------------------------------------------------------------------------------


def test_a_failed_run_folder_is_reused_and_a_complete_one_refused(tmp_path):
    failed = tmp_path / "failed"
    failed.mkdir()
    write(failed / "manifest.json", json.dumps({"status": "failed"}))
    write(failed / "rejected_rows.csv", "x\n")
    RunFolder.create(failed, tmp_path, "x")
    assert list(failed.iterdir()) == []  # the partial results are gone
    complete = tmp_path / "complete"
    complete.mkdir()
    write(complete / "manifest.json", json.dumps({"status": "complete"}))
    with pytest.raises(Exception, match="--overwrite"):
        RunFolder.create(complete, tmp_path, "x")


def test_a_run_with_a_wrong_data_path_can_be_retried_in_the_same_folder(cli, tmp_path, monkeypatch):
    out = tmp_path / "run"
    first = cli("run", "--out", out, "--data", tmp_path / "missing.csv", "--quiet")
    assert first.exit_code == 2, first.output
    assert json.loads((out / "manifest.json").read_text())["status"] == "failed"

    def fake(config, folder, progress, *, config_source="built-in defaults"):
        write(folder.path / "manifest.json", json.dumps({"status": "complete"}))
        return SimpleNamespace(folder=folder.path, gate=SimpleNamespace(passed=True))

    monkeypatch.setattr(pipeline, "run_pipeline", fake)
    retry = cli("run", "--out", out, "--quiet")
    assert retry.exit_code == 0, retry.output


@pytest.fixture
def fake_backtest(monkeypatch):
    calls = []

    def run(data, config, start, end, out, progress=None):
        calls.append(config)
        write(out / "manifest.json", json.dumps({"status": "complete", "warnings": ["w1"]}))
        return {
            "convergence_passed": True,
            "coverage_50": 0.5,
            "coverage_90": 0.9,
            "holdout_actual_total": 10,
            "holdout_predicted_mean": 10.0,
            "holdout_predicted_q05": 8.0,
            "holdout_predicted_q95": 12.0,
        }

    monkeypatch.setattr(backtest_module, "run_backtest", run)
    return calls


def test_backtest_takes_seed_and_format_and_refuses_a_used_folder(cli, tmp_path, fake_backtest):
    log = write(tmp_path / "log.csv", "customer_id,date,amount\na,2021-01-01,1\n")
    out = tmp_path / "bt"
    args = ("backtest", "--data", log, "--calibration-end", "2021-01-15", "--out", out)
    result = cli(*args, "--seed", 11, "--format", "transactions")
    assert result.exit_code == 0, result.output
    assert fake_backtest[0].seed == 11 and fake_backtest[0].data.format == "transactions"
    assert "convergence gate: PASSED" in result.output and "- w1" in result.output
    again = cli(*args)
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert cli(*args, "--overwrite").exit_code == 0


# --- target lists, language ------------------------------------------------------------------------


def test_flo_target_lists_do_not_apply_to_a_transaction_log(tmp_path):
    folder = RunFolder(tmp_path)
    sizes, warnings = export_target_lists(
        None, Config().segmentation, folder, data_format="transactions"
    )
    assert sizes == {} and warnings == []


def test_report_language_defaults_to_the_runs_config(cli, tmp_path, monkeypatch):
    import flo_bayes.report as report_module

    asked = []
    monkeypatch.setattr(
        report_module, "build_report", lambda run_dir, language="en": asked.append(language)
    )
    run = tmp_path / "run"
    run.mkdir()
    write(run / "manifest.json", json.dumps({"config": {"report": {"language": "tr"}}}))
    assert cli("report", run).exit_code == 0
    assert cli("report", run, "--language", "en").exit_code == 0
    bad = cli("report", run, "--language", "de")
    assert asked == ["tr", "en"] and bad.exit_code == 2 and "--language" in bad.output
