"""Constrained types and the base class shared by every config section."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

PositiveFloat = Annotated[float, Field(gt=0)]
"""A float > 0."""

Probability = Annotated[float, Field(gt=0, lt=1)]
"""A probability strictly inside (0, 1)."""

NonNegativeSeed = Annotated[int, Field(ge=0)]
"""A random seed: an integer >= 0."""


class Section(BaseModel):
    """A config section: unknown keys are errors and values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)
