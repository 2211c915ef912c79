"""Open a finished run folder: the one reader of a run's manifest and layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flo_bayes.config import Config
from flo_bayes.errors import DataError
from flo_bayes.runs.layout import RunFolder
from flo_bayes.runs.manifest import RunManifest, parse_manifest


@dataclass(frozen=True)
class OpenRun:
    """A run folder whose manifest has been read and validated.

    Attributes
    ----------
    folder : RunFolder
        Paths of the run's files.
    record : RunManifest
        The validated manifest (``record.config`` is the run's :class:`Config`).
    manifest : dict
        The manifest as written (every recorded field).

    """

    folder: RunFolder
    record: RunManifest
    manifest: dict = field(repr=False)

    @property
    def config(self) -> Config:
        """The run's configuration."""
        return self.record.config


def open_run(run_dir: Path | str, *, require_complete: bool = True) -> OpenRun:
    """Open a run folder and validate its manifest.

    Parameters
    ----------
    run_dir : Path or str
        The folder ``flo-bayes run`` wrote.
    require_complete : bool, default True
        Refuse a run whose manifest status is not ``complete``.

    Returns
    -------
    OpenRun
        The layout, the validated manifest and the raw one.

    Raises
    ------
    DataError
        If the folder does not exist, holds no valid manifest, or (with
        ``require_complete``) the run did not complete.

    """
    folder = RunFolder(Path(run_dir))
    if not folder.path.is_dir():
        raise DataError("run folder not found", path=folder.path)
    record, raw = parse_manifest(folder.manifest)
    if require_complete and record.status != "complete":
        stage = raw.get("failed_stage")
        detail = f" (failed in stage '{stage}')" if stage else ""
        raise DataError(
            f"the run is not complete: manifest status is {record.status!r}{detail}; "
            "rerun `flo-bayes run` to produce a complete run folder",
            path=folder.path,
        )
    return OpenRun(folder=folder, record=record, manifest=raw)
