"""Exceptions that separate a user's mistake (exit code 2) from an internal failure (exit code 1)."""

from __future__ import annotations

from pathlib import Path


class UserInputError(Exception):
    """A problem with the user's input file, config or arguments.

    The CLI prints the message without a traceback and exits with code 2.

    Parameters
    ----------
    message : str
        What is wrong and how to fix it.
    path : Path or str, optional
        The file the problem is in; prefixed to the message.

    """

    exit_code = 2

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        self.path = None if path is None else Path(path)
        self.message = message
        super().__init__(f"{self.path}: {message}" if self.path is not None else message)


class ConfigError(UserInputError):
    """A config file with an unknown key, a wrong type or an impossible value."""


class DataError(UserInputError):
    """An input data file that cannot be used at all (missing column, unreadable, empty)."""


class OutputError(UserInputError, OSError):
    """A result file cannot be written: disk full, read-only place, no permission.

    Exit code 2 like other problems the user can fix (free space, choose another ``--out``);
    also an :class:`OSError`, which it replaces.
    """


class FolderBusyError(UserInputError):
    """Another flo-bayes command is writing into the same folder."""
