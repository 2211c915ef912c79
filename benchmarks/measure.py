"""Clocks, peak memory and progress lines inside a workload's own process.

Linux reports ``ru_maxrss`` in KiB; MB here means MiB (2**20 bytes) throughout the harness.
"""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass, field

PROGRESS_MARKER = "@@progress "
"""Prefix of the stderr lines the parent shows as progress (the rest is shown with --verbose)."""

KIB_PER_MB = 1024.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (``ru_maxrss``), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB_PER_MB


def children_peak_rss_mb() -> float:
    """Peak resident memory of the largest waited-for child process, in MB (0 if none)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / KIB_PER_MB


def current_rss_mb() -> float | None:
    """Current resident memory of this process (``VmRSS``), in MB; ``None`` without /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / KIB_PER_MB
    except OSError:
        return None
    return None


@dataclass
class WorkerContext:
    """What a workload function gets from the worker: the process clock and a progress line.

    Attributes
    ----------
    spawned_at : float
        ``time.time()`` in the parent right before it started this process, so
        :meth:`since_start` includes interpreter start-up and every import.
    name : str
        The workload's name (prefix of progress lines).

    """

    spawned_at: float
    name: str = "workload"
    marks: dict[str, float] = field(default_factory=dict)

    def since_start(self) -> float:
        """Seconds since the parent started this process."""
        return time.time() - self.spawned_at

    def mark(self, label: str) -> float:
        """Record (and return) the seconds since process start under ``label``."""
        self.marks[label] = round(self.since_start(), 3)
        return self.marks[label]

    def progress(self, message: str) -> None:
        """Send one progress line to the parent (shown on its console)."""
        print(
            f"{PROGRESS_MARKER}[{self.name}] {message}",
            file=sys.stderr,
            flush=True,
        )


class Stopwatch:
    """Wall-clock seconds of a ``with`` block (``perf_counter``)."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started
