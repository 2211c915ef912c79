"""The run manifest: what was run, on what, how long each stage took, and how it ended.

:class:`Manifest` writes it stage by stage; :class:`RunManifest` is its schema, versioned by
``manifest_version``, whose ``config`` is a validated :class:`~flo_bayes.config.Config`.
"""

from __future__ import annotations

import hashlib
import json
import platform
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from flo_bayes.config import Config
from flo_bayes.config.errors import format_errors
from flo_bayes.errors import DataError
from flo_bayes.io.writers import write_json

MANIFEST_VERSION = 1
"""Version of the manifest's schema; bump it when a field changes meaning."""

TRACKED_PACKAGES = (
    "flo-bayes",
    "pymc-marketing",
    "pymc",
    "pytensor",
    "nutpie",
    "arviz",
    "numpy",
    "scipy",
    "polars",
    "pandas",
    "xarray",
)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str]:
    """Installed versions of the packages that shape the results (and Python, the platform)."""
    versions = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@dataclass
class Manifest:
    """A run's manifest, rewritten to disk after every stage.

    The status is ``incomplete`` until the last stage finishes, so a run that was
    interrupted or failed never looks complete: ``failed`` or ``interrupted`` (Ctrl-C) with
    the stage in ``failed_stage``; a killed run stays ``incomplete``.
    """

    path: Path
    content: dict = field(default_factory=dict)

    def start(self, **fields) -> None:
        """Record the run's identity and mark it incomplete."""
        self.content = {
            "manifest_version": MANIFEST_VERSION,
            "status": "incomplete",
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **fields,
            "package_versions": package_versions(),
            "stages": {},
        }
        self.save()

    def update(self, **fields) -> None:
        """Merge fields into the manifest and save it."""
        self.content.update(fields)
        self.save()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage and record its status, also when it fails."""
        started = time.perf_counter()
        self.content["stages"][name] = {"status": "running"}
        self.save()
        try:
            yield
        except BaseException as error:
            # Ctrl-C is not a failure of the run's inputs or code: say so.
            status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
            self.content["stages"][name] = {
                "status": status,
                "seconds": round(time.perf_counter() - started, 3),
                "error": f"{type(error).__name__}: {error}"[:500],
            }
            self.content["status"] = status
            self.content["failed_stage"] = name
            self.save()
            raise
        self.content["stages"][name] = {
            "status": "done",
            "seconds": round(time.perf_counter() - started, 3),
        }
        self.save()

    def finish(self) -> None:
        """Mark the run complete and record its peak memory."""
        self.content["status"] = "complete"
        self.content["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.content["peak_memory_mb"] = round(peak_memory_mb(), 1)
        self.save()

    def save(self) -> None:
        """Write the manifest atomically."""
        write_json(self.content, self.path)


class RunManifest(BaseModel):
    """The schema of ``manifest.json``: the fields every reader relies on, validated.

    Other recorded fields (row counts, stage timings, the gate, warnings, the plan) are kept
    as written, in ``model_extra``.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    manifest_version: int = MANIFEST_VERSION
    status: str  # "incomplete" while running, then "complete" or "failed"
    run_id: str = ""
    seed: int | None = None
    config: Config


def parse_manifest(path: Path) -> tuple[RunManifest, dict]:
    """Read and validate a ``manifest.json``.

    Parameters
    ----------
    path : Path
        The manifest file.

    Returns
    -------
    tuple
        The validated :class:`RunManifest` and the raw mapping as written.

    Raises
    ------
    DataError
        If the file is missing, not JSON, of a newer version, or its config does not validate.

    """
    if not path.is_file():
        raise DataError(
            "not a run folder: it has no manifest.json (pass the folder `flo-bayes run` wrote)",
            path=path.parent,
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"manifest.json is not valid JSON: {error}", path=path) from None
    version = raw.get("manifest_version", MANIFEST_VERSION) if isinstance(raw, dict) else None
    if isinstance(version, int) and version > MANIFEST_VERSION:
        raise DataError(
            f"manifest_version {version} is newer than this flo-bayes reads "
            f"({MANIFEST_VERSION}); upgrade flo-bayes",
            path=path,
        )
    try:
        return RunManifest.model_validate(raw), raw
    except ValidationError as error:
        raise DataError(
            "manifest.json does not match the run schema: " + "; ".join(format_errors(error)),
            path=path,
        ) from None
