"""Writers that never leave a half-written file: write to a temporary name, then rename.

A write that fails (disk full, read-only place) removes its temporary file and leaves an
earlier version of the destination untouched; those failures become
:class:`~flo_bayes.errors.OutputError` (exit code 2) naming the file and what to do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from flo_bayes.errors import OutputError
from flo_bayes.io.folder_lock import UNWRITABLE, unwritable_message


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success.

    Parameters
    ----------
    path : Path
        Final destination; its folder is created if needed.

    Raises
    ------
    OutputError
        When the disk is full or the place is not writable (the temporary file is removed,
        an earlier ``path`` is left as it was).

    """
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield temporary
        os.replace(temporary, path)
    except OSError as error:
        if error.errno in UNWRITABLE and not isinstance(error, OutputError):
            raise OutputError(unwritable_message(path, error), path=path) from error
        raise
    finally:
        if temporary.exists():
            temporary.unlink()


def write_frame(frame: pl.DataFrame, path: Path) -> Path:
    """Write a frame as CSV or Parquet, chosen by the file suffix, atomically."""
    with atomic_path(path) as temporary:
        if path.suffix == ".parquet":
            frame.write_parquet(temporary)
        elif path.suffix == ".csv":
            frame.write_csv(temporary)
        else:
            raise ValueError(f"unsupported suffix for {path}; use .csv or .parquet")
    return path


def write_json(data: dict, path: Path) -> Path:
    """Write JSON (UTF-8, indented, keys in insertion order) atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(
            json.dumps(data, indent=2, default=str, ensure_ascii=False), encoding="utf-8"
        )
    return path


def write_text(text: str, path: Path) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return path
