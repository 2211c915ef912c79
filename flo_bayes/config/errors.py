"""The one formatter of pydantic validation errors into "key: message" lines."""

from __future__ import annotations

import difflib
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

EFFECT_KINDS: tuple[str, ...] = ("uplift_share", "response")
"""Tags of the campaign effect union (they appear in pydantic's error locations)."""


def clean_message(msg: str) -> str:
    """Drop pydantic's "Value error, " prefix from a validator's message."""
    return msg.removeprefix("Value error, ")


def _error_key(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    # A discriminated union puts the tag in the location: effect.uplift_share.share -> effect.share
    if len(parts) > 1 and parts[0] == "effect" and parts[1] in EFFECT_KINDS:
        del parts[1]
    return ".".join(parts)


def _error_text(error: dict[str, Any]) -> str:
    if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
        return f"kind must be one of {list(EFFECT_KINDS)}"
    if error["type"] == "extra_forbidden":
        return "unknown key (check its spelling)"
    return clean_message(error["msg"])


def format_errors(err: ValidationError, prefix: str = "") -> list[str]:
    """Turn a pydantic error into ``"<prefix><key>: <message>"`` lines.

    Parameters
    ----------
    err : pydantic.ValidationError
        The error.
    prefix : str
        Put before each key, e.g. ``"campaigns[2] ('vip_care')."``.

    Returns
    -------
    list of str
        One line per problem. Messages from nested campaign validation already carry their
        full key and are passed through.

    """
    lines = []
    for e in err.errors():
        key = _error_key(tuple(e["loc"]))
        text = _error_text(e)
        if text.startswith("campaigns["):
            lines.append(text)
        else:
            lines.append(f"{prefix}{key}: {text}" if key else f"{prefix.rstrip('.')}: {text}")
    return lines


def _section_model(model: type[BaseModel], path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model of the section at ``path`` (list indexes skipped), if one."""
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        candidates = [field.annotation, *typing.get_args(field.annotation)]
        # list[Model] / Model | None: look one level into the annotation's arguments.
        for candidate in list(candidates):
            candidates.extend(typing.get_args(candidate))
        found = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not found:
            return None
        model = found[0]
    return model


def nearest_key(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str | None:
    """The known key of the same section closest to an unknown key, if one is close.

    Parameters
    ----------
    model : type of pydantic.BaseModel or None
        The root schema the location is relative to (``None``: no suggestion).
    loc : tuple
        The error location, e.g. ``("sampler", "draw")``.

    Returns
    -------
    str or None
        E.g. ``"draws"``; ``None`` when nothing is similar (difflib ratio below 0.6).

    """
    if model is None or not loc:
        return None
    section = _section_model(model, tuple(loc[:-1]))
    if section is None:
        return None
    matches = difflib.get_close_matches(str(loc[-1]), list(section.model_fields), n=1)
    return matches[0] if matches else None


def config_error_message(error: ValidationError, model: type[BaseModel] | None = None) -> str:
    """One line naming every offending key of a run config.

    Parameters
    ----------
    error : pydantic.ValidationError
        The error of ``Config.model_validate``.
    model : type of pydantic.BaseModel, optional
        The schema validated against; with it, an unknown key names the nearest known key
        of its section ("did you mean 'draws'?").

    Returns
    -------
    str
        ``"invalid config: key 'a.b': message; unknown key 'c' (...)"``.

    """
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            near = nearest_key(model, tuple(item["loc"]))
            hint = f"did you mean '{near}'? " if near else "check its spelling; "
            lines.append(
                f"unknown key '{key}' ({hint}the defaults are listed in configs/default.toml)"
            )
        else:
            lines.append(f"key '{key}': {clean_message(item['msg'])}")
    return "invalid config: " + "; ".join(lines)
