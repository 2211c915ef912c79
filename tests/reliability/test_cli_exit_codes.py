"""Exit codes and run folders of the command line: 0 success, 2 user error, 1 internal error.

The pipeline is replaced by a fast stand-in where only the CLI's behaviour is under test.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

import flo_bayes.workflow.load as load_module
import flo_bayes.workflow.run as pipeline
from flo_bayes.cli import app
from flo_bayes.runs import RunFolder

GOOD_LOG = "customer_id,date,amount\na,2021-01-01,10\na,2021-02-01,5\nb,2021-01-03,7\n"


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Invoke the CLI in a scratch working directory (logs and outputs stay in tmp_path)."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(GOOD_LOG, encoding="utf-8")
    return path


@pytest.fixture
def fake_pipeline(monkeypatch):
    """Replace the pipeline by one that writes a manifest and one result file per call."""
    calls = []

    def run(config, folder, progress, *, config_source="built-in defaults"):
        calls.append(folder.path)
        (folder.path / "result.txt").write_text(f"run {len(calls)}", encoding="utf-8")
        (folder.path / "manifest.json").write_text('{"status": "complete"}', encoding="utf-8")
        return SimpleNamespace(folder=folder.path, gate=SimpleNamespace(passed=True))

    monkeypatch.setattr(pipeline, "run_pipeline", run)
    return calls


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- 0: success ---------------------------------------------------------------------------------


def test_validate_success_exits_0(cli, log_file):
    result = cli("validate", "--data", log_file, "--format", "transactions")
    assert result.exit_code == 0, result.output
    assert "rows read 3, used 3, rejected 0; customers 2" in result.stdout


def test_run_success_exits_0(cli, tmp_path, fake_pipeline):
    result = cli("run", "--out", tmp_path / "run", "--quiet")
    assert result.exit_code == 0, result.output
    assert fake_pipeline == [tmp_path / "run"]


# --- 2: user errors -----------------------------------------------------------------------------

BAD_CONFIGS = {
    "unknown key": ("[sampler]\nchainz = 2\n", ["unknown key 'sampler.chainz'"]),
    "wrong type": ('[sampler]\nchains = "four"\n', ["key 'sampler.chains'"]),
    "impossible value": ("[prediction]\nmargin = 1.5\n", ["key 'prediction.margin'"]),
    "not TOML": ("[sampler\nchains = 2\n", ["not valid TOML"]),
}


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_bad_config_exits_2(case, command, cli, tmp_path, log_file, fake_pipeline):
    text, expected = BAD_CONFIGS[case]
    path = config_file(tmp_path, text)
    extra = ["--data", log_file] if command == "validate" else ["--out", tmp_path / "run"]
    result = cli(command, "--config", path, *extra)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {path}: ")
    for part in expected:
        assert part in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "run").exists()  # nothing created for a run that cannot start
    assert fake_pipeline == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "--config", "missing.toml"], "config file not found"),
        (["run", "--format", "excel"], "--format: Input should be 'flo' or 'transactions'"),
        (["run", "--analysis-date", "01/06/2021"], "--analysis-date must be a date as YYYY-MM-DD"),
        (["validate", "--data", "missing.csv"], "input file not found"),
    ],
)
def test_bad_arguments_exit_2(args, expected, cli, fake_pipeline):
    result = cli(*args)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert fake_pipeline == []


def test_bad_input_in_a_real_run_exits_2_and_marks_the_run_failed(cli, tmp_path):
    data = tmp_path / "broken.csv"
    data.write_text("customer_id;date;amount\na;2021-01-01;10\n", encoding="utf-8")
    out = tmp_path / "run"
    result = cli("run", "--data", data, "--format", "transactions", "--out", out, "--quiet")
    assert result.exit_code == 2
    assert f"error: {data}: only one column found" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["failed_stage"] == "load"


# --- 1: internal errors -------------------------------------------------------------------------


@pytest.fixture
def broken_loader(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug in the summary step")

    monkeypatch.setattr(load_module, "prepare_loaded", boom)


def test_internal_error_exits_1_with_short_message_and_log(cli, tmp_path, log_file, broken_loader):
    result = cli("validate", "--data", log_file, "--format", "transactions")
    assert result.exit_code == 1
    log = tmp_path / "outputs" / "flo-bayes-error.log"
    assert result.stderr.splitlines() == [
        "internal error: RuntimeError: simulated bug in the summary step",
        f"the traceback is in {Path('outputs') / 'flo-bayes-error.log'}; "
        "rerun with --verbose to print it",
    ]
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")
    assert "simulated bug" in log.read_text(encoding="utf-8")


def test_verbose_prints_the_traceback(cli, log_file, broken_loader):
    result = cli("validate", "--data", log_file, "--format", "transactions", "--verbose")
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: simulated bug in the summary step" in result.stderr


def test_internal_error_in_a_run_logs_into_the_run_folder(cli, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug in segmentation")

    monkeypatch.setattr(pipeline, "segment_and_profile", boom)
    out = tmp_path / "run"
    result = cli("run", "--out", out, "--quiet")
    assert result.exit_code == 1
    assert f"the traceback is in {out / 'flo-bayes-error.log'}" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["status"], manifest["failed_stage"]) == ("failed", "segment")
    assert "RuntimeError: simulated bug" in manifest["stages"]["segment"]["error"]


def test_ctrl_c_exits_130_and_marks_the_run_interrupted(cli, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "segment_and_profile", interrupted)
    out = tmp_path / "run"
    result = cli("run", "--out", out, "--quiet")
    assert result.exit_code == 130
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["status"], manifest["failed_stage"]) == ("interrupted", "segment")


# --- run folders: never mix results -------------------------------------------------------------


def test_each_run_gets_a_new_folder(cli, tmp_path, fake_pipeline):
    config = config_file(tmp_path, f'[output]\ndirectory = "{tmp_path / "outs"}"\n')
    for _ in range(3):
        assert cli("run", "--config", config, "--quiet").exit_code == 0
    assert len(set(fake_pipeline)) == 3
    assert sorted(p.parent for p in fake_pipeline) == [tmp_path / "outs"] * 3
    for folder in fake_pipeline:
        assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "result.txt"]


def test_run_folder_names_are_claimed_atomically(tmp_path):
    folders = [RunFolder.create(None, tmp_path, "same") for _ in range(5)]
    assert len({f.path for f in folders}) == 5


def test_existing_out_folder_needs_overwrite(cli, tmp_path, fake_pipeline):
    out = tmp_path / "run"
    assert cli("run", "--out", out, "--quiet").exit_code == 0
    result = cli("run", "--out", out, "--quiet")
    assert result.exit_code == 2
    assert "already holds results" in result.stderr and "--overwrite" in result.stderr
    assert (out / "result.txt").read_text() == "run 1"  # untouched

    (out / "stale-from-run-1.csv").write_text("old", encoding="utf-8")
    assert cli("run", "--out", out, "--overwrite", "--quiet").exit_code == 0
    assert (out / "result.txt").read_text() == "run 2"
    assert not (out / "stale-from-run-1.csv").exists()  # old results removed, not mixed


def test_overwrite_refuses_a_folder_that_is_not_a_run(cli, tmp_path, fake_pipeline):
    out = tmp_path / "my-documents"
    out.mkdir()
    (out / "thesis.docx").write_text("precious", encoding="utf-8")
    result = cli("run", "--out", out, "--overwrite", "--quiet")
    assert result.exit_code == 2
    assert "only replaces a previous run folder" in result.stderr
    assert (out / "thesis.docx").read_text() == "precious"
    assert fake_pipeline == []


def test_out_that_is_a_file_exits_2(cli, tmp_path, fake_pipeline):
    out = tmp_path / "run"
    out.write_text("not a folder", encoding="utf-8")
    result = cli("run", "--out", out, "--quiet")
    assert result.exit_code == 2
    assert "--out must be a folder" in result.stderr
