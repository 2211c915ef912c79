"""One writer per folder: a run and a ``plan`` (or two runs) never write into one folder at once.

The lock is an advisory ``flock`` on a small file *beside* the folder (``.NAME.flo-bayes.lock``
in its parent), so that it exists before the folder does, survives ``--overwrite`` clearing the
folder, and never appears among the results. The operating system releases it when the
holder exits, also when it is killed, so a crashed run leaves no stale lock behind (a killed
run leaves the small file, which the next command simply locks). The file holds the holder's
pid and command, for the message the second command prints; it is removed on release.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flo_bayes.errors import FolderBusyError, OutputError

# errno values that mean "this place cannot be written", which the user can fix.
UNWRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}


def lock_path(folder: Path) -> Path:
    """The lock file of ``folder``."""
    return folder.parent / f".{folder.name}.flo-bayes.lock"


def unwritable_message(path: Path, error: OSError) -> str:
    """What to do when ``path`` cannot be written."""
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"could not write {path}: {reason}; free disk space and run again"
    return (
        f"could not write {path}: {reason}; the output location is not writable — choose "
        "another --out folder"
    )


@contextmanager
def folder_lock(folder: Path, command: str) -> Iterator[None]:
    """Hold the write lock of ``folder`` (created or not) for the block.

    Parameters
    ----------
    folder : Path
        The folder the command writes into.
    command : str
        What holds the lock (``run``, ``plan``), named in the other command's message.

    Raises
    ------
    FolderBusyError
        When another process holds the lock (exit code 2: wait for it, or use another folder).
    OutputError
        When the folder's parent cannot be written (read-only place, no permission).

    """
    folder = Path(folder).absolute()
    path = lock_path(folder)
    handle = _locked_handle(folder, path)
    try:
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"pid {os.getpid()}: {command}".encode(), 0)
        yield
    finally:
        # Removed while still held, so no one can lock this file after we let go of it.
        path.unlink(missing_ok=True)
        os.close(handle)


def _locked_handle(folder: Path, path: Path) -> int:
    """Open and lock the lock file; retry if its holder removed it in between."""
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if folder.is_dir() and not os.access(folder, os.W_OK):
                raise PermissionError(errno.EACCES, "Permission denied", str(folder))
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            if error.errno in UNWRITABLE:
                raise OutputError(unwritable_message(folder, error), path=folder) from None
            raise
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            os.close(handle)
            raise FolderBusyError(
                f"another flo-bayes command is writing into this folder ({holder}); wait for "
                "it to finish or choose another folder",
                path=folder,
            ) from None
        try:
            same_file = os.fstat(handle).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same_file = False
        if same_file:
            return handle
        os.close(handle)  # locked a file its last holder had just removed: take the new one
