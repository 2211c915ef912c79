"""The one way a config enters the program: a TOML file or mapping validated into a Config."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from flo_bayes.config.errors import config_error_message
from flo_bayes.config.schema import Config
from flo_bayes.errors import ConfigError


def read_toml(path: Path | str, *, what: str = "config file") -> dict[str, Any]:
    """Parse a TOML file, raising :class:`ConfigError` naming the file.

    Parameters
    ----------
    path : Path or str
        The file.
    what : str
        What the file is, for the "not found" message.

    Returns
    -------
    dict
        The parsed tables.

    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{what} not found; pass an existing TOML file", path=path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"not valid TOML: {error}", path=path) from None


def config_from_dict(raw: dict, *, source: Path | str = "<config>") -> Config:
    """Validate a config mapping.

    Parameters
    ----------
    raw : dict
        Parsed TOML content.
    source : Path or str
        Named in error messages.

    Returns
    -------
    Config
        The validated configuration.

    Raises
    ------
    ConfigError
        Naming ``source`` and every offending key.

    """
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(config_error_message(error, Config), path=source) from None


def load_config(path: Path | str | None) -> Config:
    """Read and validate a TOML config file; ``None`` gives the built-in defaults.

    A relative ``data.path`` is resolved against the config file's folder.

    Parameters
    ----------
    path : Path or str or None
        The TOML file.

    Returns
    -------
    Config
        The validated configuration.

    """
    if path is None:
        return Config()
    path = Path(path)
    raw = read_toml(path, what="config file")
    data = raw.get("data")
    if isinstance(data, dict) and isinstance(data.get("path"), str):
        if not Path(data["path"]).is_absolute():
            raw = raw | {"data": data | {"path": str((path.parent / data["path"]).resolve())}}
    return config_from_dict(raw, source=path)
