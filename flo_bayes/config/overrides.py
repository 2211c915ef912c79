"""Command-line settings that take precedence over the config file, applied by validation."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from flo_bayes.config.loader import config_from_dict
from flo_bayes.config.schema import Config
from flo_bayes.config.types import NonNegativeSeed, Section


class RunOverrides(Section):
    """Command-line settings that take precedence over the config file.

    Validated like the file itself (``seed = -1`` is refused either way).
    """

    data_path: Path | None = None
    data_format: Literal["flo", "transactions"] | None = None
    seed: NonNegativeSeed | None = None
    analysis_date: date | None = None
    language: Literal["en", "tr"] | None = None


def apply_overrides(config: Config, overrides: RunOverrides) -> Config:
    """Return the config with command-line overrides applied, validated as a whole.

    Parameters
    ----------
    config : Config
        The validated config.
    overrides : RunOverrides
        Settings given on the command line.

    Returns
    -------
    Config
        A new config; every cross-key rule is checked again.

    """
    raw = config.model_dump(mode="json")
    if overrides.data_path is not None:
        raw["data"]["path"] = str(overrides.data_path)
    if overrides.data_format is not None:
        raw["data"]["format"] = overrides.data_format
    if overrides.analysis_date is not None:
        raw["analysis"]["analysis_date"] = overrides.analysis_date.isoformat()
    if overrides.seed is not None:
        raw["seed"] = overrides.seed
    if overrides.language is not None:
        raw.setdefault("report", {})["language"] = overrides.language
    return config_from_dict(raw, source="command-line options")
