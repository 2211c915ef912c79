"""Ctrl-C during native sampling: make sure it stops the run.

nutpie's sampler (Rust) checks for signals while it samples; on Ctrl-C it stops early and
returns the draws it has, possibly none, instead of raising. The run would go on with an
empty or cut posterior (and then fail somewhere unrelated, e.g. an ``IndexError`` in the next
fit). :func:`reraise_swallowed_interrupt` records a SIGINT that arrives inside its block and
raises :class:`KeyboardInterrupt` once the block returns, so every interrupt ends the run the
same way (exit code 130, manifest status ``interrupted``).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def reraise_swallowed_interrupt() -> Iterator[None]:
    """Raise :class:`KeyboardInterrupt` after the block if SIGINT arrived during it.

    The previous SIGINT handler still runs (Python's default raises ``KeyboardInterrupt``,
    which is what tells the sampler to stop early). An exception the block raises after an
    interrupt (a failure on the cut-short trace) is replaced by ``KeyboardInterrupt``. Off the
    main thread, where signal handlers cannot be set, or when SIGINT is ignored, the block
    runs unchanged.

    Raises
    ------
    KeyboardInterrupt
        When SIGINT arrived while the block ran, whatever the block did with it.

    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous == signal.SIG_IGN:
        yield
        return
    received = threading.Event()

    def record(signum, frame):
        received.set()
        if callable(previous):
            previous(signum, frame)
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, record)
    try:
        yield
    except BaseException as error:
        if received.is_set() and not isinstance(error, KeyboardInterrupt):
            raise KeyboardInterrupt("interrupted during sampling") from error
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
    if received.is_set():
        raise KeyboardInterrupt("interrupted during sampling (the sampler stopped early)")
