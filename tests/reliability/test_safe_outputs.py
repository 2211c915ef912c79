"""Nothing half-written is ever taken for a result: full disks, read-only places, two writers.

Every writer goes through :func:`flo_bayes.io.writers.atomic_path`: a failed write leaves no
file under the final name (an earlier version stays as it was) and no temporary file, and a
full disk or an unwritable place is a clear error (exit code 2), not a traceback. A folder has
one writer at a time (:mod:`flo_bayes.io.folder_lock`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import flo_bayes.workflow.run as pipeline
from flo_bayes.cli import app
from flo_bayes.errors import FolderBusyError, OutputError
from flo_bayes.io.folder_lock import folder_lock, lock_path
from flo_bayes.io.writers import atomic_path, write_frame, write_json, write_text

REPO = Path(__file__).resolve().parents[2]
FRAME = pl.DataFrame({"customer_id": ["a", "b"], "value": [1.5, 2.5]})


def _half_then_full(self, file=None, *args, **kwargs):
    """A writer that gets half a file onto the disk, then finds the disk full.

    Stands in for ``DataFrame.write_csv(self, file)`` and ``Path.write_text(self, text)``.
    """
    target = self if isinstance(self, Path) else Path(file)
    target.write_bytes(b"half a file")
    raise OSError(28, "No space left on device")


WRITERS = {
    "csv": (lambda path: write_frame(FRAME, path), "out.csv", (pl.DataFrame, "write_csv")),
    "parquet": (
        lambda path: write_frame(FRAME, path),
        "out.parquet",
        (pl.DataFrame, "write_parquet"),
    ),
    "json": (lambda path: write_json({"a": 1}, path), "out.json", (Path, "write_text")),
    "text": (lambda path: write_text("report", path), "out.html", (Path, "write_text")),
}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_disk_full_in_every_writer_leaves_the_old_file_and_no_temporary(
    writer, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    write, name, (owner, method) = WRITERS[writer]
    path = tmp_path / name
    path.write_bytes(b"previous complete result")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owner, method, _half_then_full)
        with pytest.raises(OutputError) as caught:
            write(path)
    assert isinstance(caught.value, OSError)
    assert "No space left on device; free disk space and run again" in str(caught.value)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == b"previous complete result"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_disk_full_in_a_custom_atomic_writer(tmp_path):
    """Writers built on atomic_path directly (model posteriors, simulated input) too."""
    path = tmp_path / "bgnbd.nc"
    with pytest.raises(OutputError, match="free disk space"):
        with atomic_path(path) as temporary:
            temporary.write_bytes(b"partial netCDF")
            raise OSError(28, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_disk_full_during_a_run_exits_2_and_leaves_the_run_failed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "log.csv"
    data.write_text("customer_id,date,amount\na,2021-01-01,10\na,bad,5\n", encoding="utf-8")
    out = tmp_path / "run"
    monkeypatch.setattr(pl.DataFrame, "write_csv", _half_then_full)
    result = CliRunner().invoke(
        app, ["run", "--data", str(data), "--format", "transactions", "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert "No space left on device; free disk space and run again" in result.stderr
    assert "Traceback" not in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["status"], manifest["failed_stage"]) == ("failed", "load")
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]


# --- read-only --out ----------------------------------------------------------------------------


def _read_only_place() -> Path | None:
    probe = Path("/sys/flo-bayes-probe")
    try:
        probe.mkdir()
    except OSError:
        return Path("/sys/flo-bayes-run")
    probe.rmdir()
    return None


def test_out_in_a_read_only_place_exits_2(tmp_path, monkeypatch):
    place = _read_only_place()
    if place is None:
        pytest.skip("no read-only place on this machine")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", "--out", str(place / "run"), "--quiet"])
    assert result.exit_code == 2, result.output
    assert "the output location is not writable — choose another --out folder" in result.stderr
    assert "Traceback" not in result.output


def test_out_folder_without_write_permission_exits_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "locked"
    out.mkdir()
    real_access = os.access
    # Tests run as root here, which ignores permission bits: deny writing to `out` instead.
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode, **kw: (
            mode != os.W_OK and real_access(path, mode, **kw)
            if Path(path) == out
            else real_access(path, mode, **kw)
        ),
    )
    result = CliRunner().invoke(app, ["run", "--out", str(out), "--quiet"])
    assert result.exit_code == 2, result.output
    assert f"error: {out}: could not write {out}: Permission denied" in result.stderr
    assert list(out.iterdir()) == []


# --- one writer per folder ----------------------------------------------------------------------


def test_second_writer_of_a_folder_is_refused(tmp_path):
    folder = tmp_path / "run"
    with folder_lock(folder, "run"):
        with pytest.raises(FolderBusyError, match=rf"\(pid {os.getpid()}: run\); wait for it"):
            with folder_lock(folder, "plan"):
                pass
        assert not folder.exists()  # the lock lives beside the folder
    assert not lock_path(folder).exists()  # released and removed
    with folder_lock(folder, "plan"):  # free again
        pass


@pytest.fixture
def fake_pipeline(monkeypatch):
    def run(config, folder, progress, *, config_source="built-in defaults"):
        (folder.path / "manifest.json").write_text('{"status": "complete"}', encoding="utf-8")
        (folder.path / "result.txt").write_text("new", encoding="utf-8")
        from types import SimpleNamespace

        return SimpleNamespace(folder=folder.path, gate=SimpleNamespace(passed=True))

    monkeypatch.setattr(pipeline, "run_pipeline", run)


def test_run_overwrite_while_a_plan_writes_the_folder_is_refused(
    tmp_path, monkeypatch, fake_pipeline
):
    """--overwrite would clear the folder under the plan's feet: refused, nothing touched."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    out.mkdir()
    (out / "manifest.json").write_text('{"status": "complete"}', encoding="utf-8")
    (out / "result.txt").write_text("old", encoding="utf-8")
    with folder_lock(out, "plan"):
        result = CliRunner().invoke(app, ["run", "--out", str(out), "--overwrite", "--quiet"])
    assert result.exit_code == 2, result.output
    assert "another flo-bayes command is writing into this folder" in result.stderr
    assert "plan" in result.stderr
    assert (out / "result.txt").read_text(encoding="utf-8") == "old"
    after = CliRunner().invoke(app, ["run", "--out", str(out), "--overwrite", "--quiet"])
    assert after.exit_code == 0, after.output
    assert (out / "result.txt").read_text(encoding="utf-8") == "new"


def test_plan_while_a_run_writes_the_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    campaigns = REPO / "configs" / "campaigns_classic_flo.toml"
    with folder_lock(run_dir, "run"):
        result = CliRunner().invoke(app, ["plan", str(run_dir), "--config", str(campaigns)])
    assert result.exit_code == 2, result.output
    assert f"(pid {os.getpid()}: run)" in result.stderr
    assert list(run_dir.iterdir()) == []
