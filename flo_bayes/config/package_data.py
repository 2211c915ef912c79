"""The preset TOML files shipped as package data under ``flo_bayes/config/presets/``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

PRESETS: tuple[str, ...] = ("tier_campaigns", "flo_targets")
"""Names of the preset files shipped with the package (``<name>.toml``)."""


def preset_path(name: str) -> Path:
    """Path of a preset file shipped as package data.

    Parameters
    ----------
    name : str
        One of :data:`PRESETS`.

    Returns
    -------
    Path
        The TOML file inside the installed package.

    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; presets: {list(PRESETS)}")
    return Path(str(files("flo_bayes.config") / "presets" / f"{name}.toml"))


@cache
def _parsed(name: str) -> dict[str, Any]:
    return tomllib.loads(preset_path(name).read_text(encoding="utf-8"))


def read_preset(name: str) -> dict[str, Any]:
    """The parsed content of a preset file (parsed once per process; do not mutate it).

    Parameters
    ----------
    name : str
        One of :data:`PRESETS`.

    Returns
    -------
    dict
        The TOML tables.

    """
    return _parsed(name)
