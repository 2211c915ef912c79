"""How the run config and the pipeline are meant to use the campaign module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from flo_bayes.campaigns import (
    CampaignsConfig,
    RunContext,
    campaigns_config_from_run,
    default_campaigns_config,
    validate_campaigns,
)
from flo_bayes.config import Config
from flo_bayes.config.segmentation import SegmentationConfig
from flo_bayes.errors import DataError


class _RunConfig(BaseModel):
    """Stand-in for flo_bayes.config.Config with the suggested ``campaigns`` field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    segmentation: SegmentationConfig = SegmentationConfig()
    campaigns: CampaignsConfig = Field(default_factory=CampaignsConfig)  # after segmentation

    @field_validator("campaigns", mode="before")
    @classmethod
    def _campaigns_use_the_runs_names(cls, value: Any, info: ValidationInfo) -> Any:
        segmentation = info.data.get("segmentation")
        if segmentation is None or isinstance(value, CampaignsConfig):
            return value
        return validate_campaigns(value, segmentation)


def test_suggested_config_field() -> None:
    assert _RunConfig().campaigns == CampaignsConfig()
    custom = {
        "segmentation": {
            "segment_map": {"best": "[4-5][4-5]", "rest": "[1-3].|[4-5][1-3]"},
            "tier_map": {"best": "vip", "rest": "lost"},
        },
        "campaigns": {
            "campaigns": [
                {
                    "name": "best_only",
                    "segments": ["best"],
                    "cost_per_contact": 1,
                    "effect": {"kind": "uplift_share", "share": {"fixed": 0.05}},
                }
            ]
        },
    }
    assert _RunConfig.model_validate(custom).campaigns.campaigns[0].segments == ("best",)
    custom["campaigns"]["campaigns"][0]["cost_per_contact"] = -1
    with pytest.raises(ValidationError) as info:
        _RunConfig.model_validate(custom)
    assert "campaigns[0] ('best_only').cost_per_contact: must be >= 0" in str(info.value)


def test_run_context_from_the_run_config() -> None:
    context = RunContext.from_config(Config())
    assert context.cltv_horizon_months == 6.0 and context.horizon == "6m"
    assert context.margin == 1.0 and context.currency == "TRY"
    assert context.seed == Config().seed


def test_campaigns_recorded_in_a_run(run_folder: Path) -> None:
    assert campaigns_config_from_run(run_folder) == CampaignsConfig()
    manifest = json.loads((run_folder / "manifest.json").read_text())
    manifest["config"]["campaigns"] = default_campaigns_config(criterion="cvar").model_dump(
        mode="json"
    )
    (run_folder / "manifest.json").write_text(json.dumps(manifest))
    assert campaigns_config_from_run(run_folder).criterion == "cvar"
    manifest["config"]["campaigns"]["level"] = 3
    (run_folder / "manifest.json").write_text(json.dumps(manifest))
    # The recorded config is validated as a whole when the run is opened.
    with pytest.raises(DataError, match="campaigns.level"):
        campaigns_config_from_run(run_folder)


def test_plan_into_the_run_folder_updates_its_manifest(run_folder: Path) -> None:
    from flo_bayes.workflow.plan import replan

    manifest = json.loads((run_folder / "manifest.json").read_text())
    manifest["config"]["output"] = {"report": False}
    (run_folder / "manifest.json").write_text(json.dumps(manifest))
    settings = default_campaigns_config(criterion="cvar")
    result = replan(run_folder, settings)
    updated = json.loads((run_folder / "manifest.json").read_text())
    assert updated["campaign_plan"]["replanned"] is True
    assert updated["campaign_plan"]["summary"] == result.summary.to_dicts()
    assert campaigns_config_from_run(run_folder) == settings
    assert not (run_folder / "report.html").exists()  # this run writes no report


def test_plan_elsewhere_leaves_the_run_folder_alone(run_folder: Path, tmp_path: Path) -> None:
    from flo_bayes.workflow.plan import replan

    before = (run_folder / "manifest.json").read_bytes()
    replan(run_folder, default_campaigns_config(criterion="cvar"), tmp_path / "elsewhere")
    assert (run_folder / "manifest.json").read_bytes() == before
    assert (tmp_path / "elsewhere" / "campaigns" / "summary.csv").is_file()
