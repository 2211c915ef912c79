"""Memory of a process together with all its descendants, sampled from ``/proc``.

PyMC's own sampler runs chains in worker processes (started by a forkserver, so not even
direct children of the workload), which the workload's ``ru_maxrss`` does not see. A
background thread sums the proportional set size (PSS, from ``smaps_rollup``; RSS where that
is missing) of the process tree every ``interval`` seconds and keeps the largest sum. PSS
shares memory mapped by several processes among them, so shared libraries are not counted
once per process. Sampling can miss a spike shorter than the interval; the workload's own
``ru_maxrss`` is exact for its main process.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

PROC = Path("/proc")
KIB_PER_MB = 1024.0


def _parent_pid(pid: int) -> int | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # Fields after the command name (which may hold spaces and parentheses).
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[1]) if len(fields) > 1 else None


def tree_pids(root: int) -> list[int]:
    """``root`` and every live descendant, found by scanning ``/proc`` for parent ids."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        parent = _parent_pid(int(entry.name))
        if parent is not None:
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def process_memory_kib(pid: int) -> int:
    """PSS of one process in KiB (RSS if ``smaps_rollup`` is unavailable; 0 if gone)."""
    try:
        with open(PROC / str(pid) / "smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        resident_pages = int((PROC / str(pid) / "statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return resident_pages * os.sysconf("SC_PAGE_SIZE") // 1024


def tree_memory_mb(root: int) -> tuple[float, int]:
    """Summed memory of ``root``'s process tree in MB, and the number of processes."""
    pids = tree_pids(root)
    return sum(process_memory_kib(pid) for pid in pids) / KIB_PER_MB, len(pids)


class TreeMemorySampler:
    """Background thread that tracks the peak summed memory of a process tree.

    Parameters
    ----------
    root : int
        Process id of the tree's root (the workload's process).
    interval : float
        Seconds between samples.

    """

    def __init__(self, root: int, interval: float = 0.5) -> None:
        self.root = root
        self.interval = interval
        self.peak_mb = 0.0
        self.current_mb = 0.0
        self.max_processes = 0
        self.available = PROC.is_dir()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tree-memory", daemon=True)

    def start(self) -> TreeMemorySampler:
        """Start sampling (a no-op without ``/proc``)."""
        if self.available:
            self._thread.start()
        return self

    def stop(self) -> float:
        """Stop sampling and return the peak in MB."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        return self.peak_mb

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                mb, count = tree_memory_mb(self.root)
            except OSError:  # the tree changed under the scan; try again next tick
                mb, count = self.current_mb, 0
            self.current_mb = mb
            self.peak_mb = max(self.peak_mb, mb)
            self.max_processes = max(self.max_processes, count)
            self._stop.wait(self.interval)
