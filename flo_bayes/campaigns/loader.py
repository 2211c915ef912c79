"""Read campaign settings from TOML: the ``[campaigns]`` table of a run config or a plan file.

Errors are :class:`~flo_bayes.errors.ConfigError` (exit code 2 in the CLI) naming the file,
the campaign and the key, e.g.::

    plan.toml: invalid campaigns config: campaigns[2] ('vip_care').cost_per_contact: must be >= 0, got -1.0

:func:`campaigns_config_from_run` recovers the settings a finished run was planned with.
"""  # noqa: E501

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from flo_bayes.config.campaigns import CampaignsConfig, validate_campaigns
from flo_bayes.config.errors import format_errors
from flo_bayes.config.loader import read_toml
from flo_bayes.config.segmentation import SegmentationConfig, Vocabulary
from flo_bayes.errors import ConfigError
from flo_bayes.runs import open_run


def campaigns_config_from_dict(
    raw: dict[str, Any],
    *,
    segmentation: SegmentationConfig | Vocabulary | None = None,
    source: Path | str = "<campaigns config>",
) -> CampaignsConfig:
    """Validate a ``[campaigns]`` mapping, raising :class:`ConfigError` naming ``source``.

    Parameters
    ----------
    raw : dict
        The ``[campaigns]`` table.
    segmentation : SegmentationConfig or Vocabulary, optional
        Allowed names (default: FLO's).
    source : Path or str
        Named in the error.

    Returns
    -------
    CampaignsConfig
        The validated settings.

    """
    if not isinstance(raw, dict):
        raise ConfigError("[campaigns] must be a table", path=source)
    try:
        return validate_campaigns(raw, segmentation)
    except ValueError as err:
        raise ConfigError(f"invalid campaigns config: {err}", path=source) from None


def load_campaigns_config(
    path: Path | str,
    *,
    segmentation: SegmentationConfig | Vocabulary | None = None,
) -> CampaignsConfig:
    """Read the ``[campaigns]`` table of a TOML file.

    Parameters
    ----------
    path : Path or str
        TOML file (a run config or a campaigns-only file). Without a ``[campaigns]`` table the
        defaults apply.
    segmentation : SegmentationConfig or Vocabulary, optional
        Allowed segment, category and channel names. None: the file's own ``[segmentation]``
        table if it has one, else FLO's defaults.

    Returns
    -------
    CampaignsConfig
        The validated settings.

    Raises
    ------
    ConfigError
        Naming the file and every offending key (campaign name included).

    """
    path = Path(path)
    raw = read_toml(path, what="campaigns config file")
    if segmentation is None and isinstance(raw.get("segmentation"), dict):
        try:
            segmentation = SegmentationConfig.model_validate(raw["segmentation"])
        except ValidationError as err:
            raise ConfigError(
                "invalid [segmentation] table: " + "; ".join(format_errors(err, "segmentation.")),
                path=path,
            ) from None
    return campaigns_config_from_dict(
        raw.get("campaigns", {}), segmentation=segmentation, source=path
    )


def campaigns_config_from_run(run_dir: Path | str) -> CampaignsConfig:
    """The campaign settings recorded in a finished run's ``manifest.json``.

    Parameters
    ----------
    run_dir : Path or str
        A completed run folder.

    Returns
    -------
    CampaignsConfig
        ``config.campaigns`` of the manifest, validated against the run's segment names;
        the defaults when the run recorded none.

    Raises
    ------
    DataError
        If the folder is not a completed run or its recorded settings no longer validate.

    """
    # The manifest's config is validated as a whole when the run is opened, campaigns
    # included (against the run's own segment names).
    return open_run(run_dir).config.campaigns


__all__ = ["campaigns_config_from_dict", "campaigns_config_from_run", "load_campaigns_config"]
