"""The results of planning: one :class:`CampaignPlan` per campaign and the whole :class:`PlanResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from flo_bayes.campaigns.columns import ColumnSpec
from flo_bayes.campaigns.run_inputs import RunContext
from flo_bayes.campaigns.selection import Assignment, spend
from flo_bayes.config.campaigns import CampaignConfig, CampaignsConfig


@dataclass(frozen=True)
class CampaignPlan:
    """The plan of one campaign.

    Attributes
    ----------
    name : str
        Campaign name.
    config : CampaignConfig
        Its settings.
    margin : float
        Gross margin used.
    strategy : str
        Strategy text in the exports.
    targets : polars.DataFrame
        Chosen customers, best first (columns of :func:`~flo_bayes.campaigns.columns.target_columns`).
    profit_totals : numpy.ndarray
        Shape ``(S,)``: total incremental profit of the chosen customers per draw.
    revenue_totals : numpy.ndarray
        Shape ``(S,)``: total incremental revenue per draw.
    effect_draws : numpy.ndarray
        Shape ``(S,)``: the campaign's effect draws.
    eligible : int
        Customers passing the filters.
    candidates : int
        Eligible customers within the loss limit with a positive criterion.
    contact_limit : int or None
        Contacts the budget / max_contacts allow.
    warning : str or None
        Why the campaign chose nobody (or another caveat).

    """

    name: str
    config: CampaignConfig
    margin: float
    strategy: str
    targets: pl.DataFrame
    profit_totals: np.ndarray
    revenue_totals: np.ndarray
    effect_draws: np.ndarray
    eligible: int
    candidates: int
    contact_limit: int | None
    warning: str | None

    @property
    def contacts(self) -> int:
        """Number of chosen customers."""
        return self.targets.height

    @property
    def cost(self) -> float:
        """Spend: contacts x cost per contact."""
        return spend(self.config.cost_per_contact, self.contacts)


@dataclass(frozen=True)
class PlanResult:
    """A whole campaign plan.

    Attributes
    ----------
    campaigns : tuple of CampaignPlan
        One per configured campaign, in config order.
    summary : polars.DataFrame
        One row per campaign and a ``TOTAL`` row (columns of
        :func:`~flo_bayes.campaigns.columns.summary_columns`).
    assignment : Assignment
        How the choice was made (method, optimality gap).
    config : CampaignsConfig
        Settings used.
    context : RunContext
        Run settings used.
    seed : int
        Seed of the effect draws.
    n_draws : int
        Number of shared draws.
    target_columns, summary_columns : dict of str to ColumnSpec
        Column descriptions of the exports.
    warnings : tuple of str
        Everything worth telling the user (campaigns that chose nobody, failed convergence).
    files : tuple of Path
        Files written (empty until exported).

    """

    campaigns: tuple[CampaignPlan, ...]
    summary: pl.DataFrame
    assignment: Assignment
    config: CampaignsConfig
    context: RunContext
    seed: int
    n_draws: int
    target_columns: dict[str, ColumnSpec]
    summary_columns: dict[str, ColumnSpec]
    warnings: tuple[str, ...] = ()
    files: tuple[Path, ...] = field(default_factory=tuple)

    def get(self, name: str) -> CampaignPlan:
        """Return the plan of campaign ``name``."""
        for plan in self.campaigns:
            if plan.name == name:
                return plan
        raise KeyError(f"no campaign {name!r} in the plan")


__all__ = ["CampaignPlan", "PlanResult"]
