"""Run folders: their layout, their versioned manifest and the one way to open them."""

from flo_bayes.runs.layout import RunFolder
from flo_bayes.runs.manifest import MANIFEST_VERSION, Manifest, RunManifest, file_sha256
from flo_bayes.runs.open import OpenRun, open_run

__all__ = [
    "MANIFEST_VERSION",
    "Manifest",
    "OpenRun",
    "RunFolder",
    "RunManifest",
    "file_sha256",
    "open_run",
]
