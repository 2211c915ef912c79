"""Ctrl-C at any stage ends the run with exit code 130 and the manifest marked interrupted.

nutpie stops sampling on SIGINT and returns the draws it has instead of raising; the run used
to go on and fail later (exit 1). The subprocess test sends a real SIGINT to a real run while
it samples.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from flo_bayes.interrupts import reraise_swallowed_interrupt


def _swallowing_sampler():
    """What nutpie does: the interrupt stops the work, and a (cut) result is returned."""
    try:
        signal.raise_signal(signal.SIGINT)
    except KeyboardInterrupt:
        return []
    return [1, 2, 3]


def test_a_swallowed_interrupt_is_raised_after_the_block():
    with pytest.raises(KeyboardInterrupt, match="sampler stopped early"):
        with reraise_swallowed_interrupt():
            assert _swallowing_sampler() == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_failure_on_the_cut_trace_becomes_the_interrupt():
    with pytest.raises(KeyboardInterrupt) as caught:
        with reraise_swallowed_interrupt():
            trace = _swallowing_sampler()
            trace[0]  # the IndexError the run used to end in
    assert isinstance(caught.value.__cause__, IndexError)


def test_no_interrupt_no_change():
    with reraise_swallowed_interrupt():
        value = 1 + 1
    assert value == 2
    with pytest.raises(ValueError):
        with reraise_swallowed_interrupt():
            raise ValueError("unrelated")


def _manifest(folder):
    path = folder / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def test_sigint_during_sampling_exits_130_and_marks_the_run_interrupted(tmp_path):
    """A real run, a real SIGINT while NUTS samples the BG/NBD posterior (long chains)."""
    config = tmp_path / "long.toml"
    config.write_text(
        "[data]\nsimulated_customers = 300\n"
        "[sampler]\nchains = 2\ncores = 1\ndraws = 100000\ntune = 1000\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "flo_bayes.cli", "run", "--config", str(config)]
        + ["--out", str(out), "--quiet"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            if _manifest(out).get("stages", {}).get("fit", {}).get("status") == "running":
                break
            time.sleep(0.2)
        else:
            pytest.fail("the run did not reach the fit stage")
        # Past compilation and into sampling (100,000 draws take minutes, not seconds).
        time.sleep(15)
        assert process.poll() is None, "the run ended before it could be interrupted"
        os.kill(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    manifest = _manifest(out)
    assert manifest["status"] == "interrupted"
    assert manifest["failed_stage"] == "fit"
    assert manifest["stages"]["fit"]["status"] == "interrupted"
    assert not (out / "customers.parquet").exists()
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]
