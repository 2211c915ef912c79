"""Console progress for pipeline stages and the closing list of a run's warnings.

Each stage prints a start line, periodic "still running" lines and a finish line with its time.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

# Loggers of the sampling libraries that print "NUTS[nutpie]: ..." and "Sampling ..." lines.
LIBRARY_LOGGERS = ("pymc", "pymc_marketing", "nutpie")


@dataclass
class ConsoleProgress:
    """Prints each stage as it starts and how long it took.

    Parameters
    ----------
    total : int
        Number of stages expected (shown as ``[i/total]``).
    stream : TextIO, optional
        Where to print; standard error (as it is when printing) by default, so stdout
        stays clean.
    quiet : bool
        Print nothing (the sampling libraries' own log lines included, see :meth:`session`).
    heartbeat_s : float
        While a stage runs longer than this, print a "still running" line every
        ``heartbeat_s`` seconds (NUTS fits and model compilation take minutes); 0 turns it off.

    """

    total: int
    stream: TextIO | None = None
    quiet: bool = False
    heartbeat_s: float = 30.0
    done: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def stage(self, label: str) -> Iterator[None]:
        """Announce a stage, run the block (with periodic "still running" lines), print its time."""
        self.done += 1
        prefix = f"[{self.done}/{self.total}]"
        self.say(f"{prefix} {label} ...")
        started = time.perf_counter()
        stop = threading.Event()
        beat = None
        if not self.quiet and self.heartbeat_s > 0:
            beat = threading.Thread(
                target=self._heartbeat, args=(f"{prefix} {label}", started, stop), daemon=True
            )
            beat.start()
        try:
            yield
        finally:
            stop.set()
            if beat is not None:
                beat.join()
        self.say(f"{prefix} {label}: done in {time.perf_counter() - started:.1f} s")

    def _heartbeat(self, label: str, started: float, stop: threading.Event) -> None:
        while not stop.wait(self.heartbeat_s):
            self.say(f"    ... {label}: still running ({_duration(time.perf_counter() - started)})")

    def say(self, message: str) -> None:
        """Print one line unless quiet."""
        if not self.quiet:
            with self._lock:
                print(message, file=self.stream or sys.stderr, flush=True)

    def warnings(self, warnings: Iterable[str]) -> None:
        """Print the run's warnings as a closing list (nothing when there are none)."""
        warnings = list(warnings)
        if warnings:
            self.say(f"Warnings ({len(warnings)}):")
            for warning in warnings:
                self.say(f"  - {warning}")

    @contextmanager
    def session(self) -> Iterator[None]:
        """Run a command; when quiet, the sampling libraries' log lines are silenced too.

        Their INFO lines ("NUTS[nutpie]: ...") and warnings ("Only 60 samples per chain")
        go; errors stay. What those warnings are about reaches the user anyway, through the
        convergence gate and the manifest's warnings.
        """
        if not self.quiet:
            yield
            return
        loggers = [logging.getLogger(name) for name in LIBRARY_LOGGERS]
        levels = [logger.level for logger in loggers]
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
