"""Start one workload in a fresh Python process and collect what it measured."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.measure import PROGRESS_MARKER
from benchmarks.process_tree import TreeMemorySampler
from benchmarks.worker import RESULT_MARKER, SPAWNED_AT_KEY

STDERR_TAIL_LINES = 40
KILL_GRACE_SECONDS = 10.0


@dataclass
class WorkloadResult:
    """What one workload process reported, plus what the parent saw of it.

    Attributes
    ----------
    key : str
        Unique name of this run in the results (``scoring_200000``, say).
    workload : str
        Worker workload name.
    ok : bool
        The process finished its workload (a skipped workload is ok, see ``skipped``).
    metrics : dict
        The workload's own figures.
    wall_seconds : float
        Seconds from starting the process to its exit, measured by the parent.
    process_seconds : float or None
        Seconds from start to the end of the workload, measured by the process.
    peak_mb : float or None
        The workload process's own peak resident memory (``ru_maxrss``).
    tree_peak_mb : float or None
        Peak of the summed memory of the process and all its descendants (sampled).
    children_peak_mb : float or None
        Largest waited-for child's peak resident memory.
    error : str or None
        Why the workload failed.
    stderr_tail : list of str
        The last lines the process printed on stderr (for failures).

    """

    key: str
    workload: str
    ok: bool
    metrics: dict = field(default_factory=dict)
    wall_seconds: float = 0.0
    process_seconds: float | None = None
    peak_mb: float | None = None
    tree_peak_mb: float | None = None
    children_peak_mb: float | None = None
    error: str | None = None
    stderr_tail: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> str | None:
        """Why the workload skipped itself (e.g. an optional package is missing), or None."""
        return self.metrics.get("skipped")

    @property
    def footprint_mb(self) -> float | None:
        """The larger of the process's exact peak and its process tree's sampled peak."""
        values = [v for v in (self.peak_mb, self.tree_peak_mb) if v is not None]
        return max(values) if values else None

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


def _package_root() -> str:
    import flo_bayes

    return str(Path(flo_bayes.__file__).resolve().parents[1])


def _child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **(extra or {})}
    env["PYTHONUNBUFFERED"] = "1"
    root = _package_root()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def _read_lines(stream, sink: Callable[[str], None]) -> None:
    for line in stream:
        sink(line.rstrip("\n"))


def _terminate(process: subprocess.Popen) -> None:
    """End the workload's process group (the workload and the processes it started)."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE_SECONDS), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_workload(
    key: str,
    workload: str,
    args: dict,
    *,
    workdir: Path,
    log: Callable[[str], None],
    timeout: float | None = None,
    verbose: bool = False,
    heartbeat_seconds: float = 60.0,
    env: dict[str, str] | None = None,
) -> WorkloadResult:
    """Run one workload in ``python -m benchmarks.worker`` and wait for it.

    Parameters
    ----------
    key : str
        Name of this run in the results.
    workload : str
        Worker workload name (see :data:`benchmarks.worker.WORKLOADS`).
    args : dict
        JSON-serialisable arguments of the workload.
    workdir : Path
        The process's working directory.
    log : callable
        Receives progress lines.
    timeout : float, optional
        Seconds after which the process group is ended and the workload reported failed.
    verbose : bool
        Forward every stderr line of the process, not only its progress lines.
    heartbeat_seconds : float
        How often to report that a long workload is still running, with its memory.
    env : dict, optional
        Extra environment variables of the process.

    Returns
    -------
    WorkloadResult

    """
    payload_args = {**args, SPAWNED_AT_KEY: time.time()}
    command = [
        sys.executable,
        "-m",
        "benchmarks.worker",
        workload,
        json.dumps(payload_args),
    ]
    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    stdout_lines: list[str] = []

    def on_stderr(line: str) -> None:
        if line.startswith(PROGRESS_MARKER):
            log("  " + line[len(PROGRESS_MARKER) :])
            return
        tail.append(line)
        if verbose:
            log("    | " + line)

    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=workdir,
        env=_child_env(env),
        start_new_session=True,
    )
    sampler = TreeMemorySampler(process.pid).start()
    readers = [
        threading.Thread(target=_read_lines, args=(process.stderr, on_stderr), daemon=True),
        threading.Thread(
            target=_read_lines, args=(process.stdout, stdout_lines.append), daemon=True
        ),
    ]
    for reader in readers:
        reader.start()
    timed_out = False
    try:
        while True:
            try:
                process.wait(timeout=heartbeat_seconds)
                break
            except subprocess.TimeoutExpired:
                elapsed = time.perf_counter() - started
                if timeout is not None and elapsed > timeout:
                    timed_out = True
                    log(f"  [{key}] exceeded the {timeout:.0f} s timeout; ending it")
                    _terminate(process)
                    break
                log(
                    f"  [{key}] still running: {elapsed / 60:.1f} min, "
                    f"memory now {sampler.current_mb:,.0f} MB (peak {sampler.peak_mb:,.0f} MB)"
                )
    except BaseException:
        _terminate(process)
        raise
    finally:
        tree_peak = sampler.stop()
        for reader in readers:
            reader.join(timeout=10)
    wall = time.perf_counter() - started

    result = WorkloadResult(
        key=key,
        workload=workload,
        ok=False,
        wall_seconds=round(wall, 3),
        tree_peak_mb=round(tree_peak, 1) if sampler.available else None,
        stderr_tail=list(tail),
    )
    lines = [line for line in stdout_lines if line.startswith(RESULT_MARKER)]
    if not lines:
        reason = "timed out" if timed_out else f"exited with code {process.returncode}"
        result.error = f"{reason} without a result line"
        return result
    payload = json.loads(lines[-1][len(RESULT_MARKER) :])
    result.ok = bool(payload.get("ok"))
    result.metrics = payload.get("metrics") or {}
    result.process_seconds = payload.get("process_seconds")
    result.peak_mb = payload.get("peak_mb")
    result.children_peak_mb = payload.get("children_peak_mb")
    result.error = payload.get("error")
    return result
