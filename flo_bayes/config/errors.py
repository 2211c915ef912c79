"""The one formatter of pydantic validation errors into "key: message" lines."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

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


def config_error_message(error: ValidationError) -> str:
    """One line naming every offending key of a run config.

    Parameters
    ----------
    error : pydantic.ValidationError
        The error of ``Config.model_validate``.

    Returns
    -------
    str
        ``"invalid config: key 'a.b': message; unknown key 'c' (...)"``.

    """
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(
                f"unknown key '{key}' (check its spelling; the defaults are listed in "
                "configs/default.toml)"
            )
        else:
            lines.append(f"key '{key}': {clean_message(item['msg'])}")
    return "invalid config: " + "; ".join(lines)
