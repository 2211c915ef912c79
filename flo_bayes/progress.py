"""Console progress for pipeline stages: a start line and a finish line with the time."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO


@dataclass
class ConsoleProgress:
    """Prints each stage as it starts and how long it took.

    Parameters
    ----------
    total : int
        Number of stages expected (shown as ``[i/total]``).
    stream : TextIO
        Where to print; standard error by default so stdout stays clean.
    quiet : bool
        Print nothing.

    """

    total: int
    stream: TextIO = sys.stderr
    quiet: bool = False
    done: int = 0

    @contextmanager
    def stage(self, label: str) -> Iterator[None]:
        """Announce a stage, run the block, print its duration."""
        self.done += 1
        prefix = f"[{self.done}/{self.total}]"
        self.say(f"{prefix} {label} ...")
        started = time.perf_counter()
        yield
        self.say(f"{prefix} {label}: done in {time.perf_counter() - started:.1f} s")

    def say(self, message: str) -> None:
        """Print one line unless quiet."""
        if not self.quiet:
            print(message, file=self.stream, flush=True)
