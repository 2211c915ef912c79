"""The purchase models by name: the single place that lists them."""

from __future__ import annotations

from flo_bayes.models.bgnbd import BGNBD
from flo_bayes.models.mbgnbd import MBGNBD
from flo_bayes.models.pnbd import PNBD
from flo_bayes.models.protocol import PurchaseModel

PURCHASE_MODELS: dict[str, PurchaseModel] = {m.name: m for m in (BGNBD, MBGNBD, PNBD)}
"""Registry key (the config's ``[model] purchase`` value) to model."""


def purchase_model(name: str) -> PurchaseModel:
    """Return the purchase model called ``name``.

    Parameters
    ----------
    name : str
        ``bgnbd``, ``mbgnbd`` or ``pnbd``.

    Returns
    -------
    PurchaseModel

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.

    """
    try:
        return PURCHASE_MODELS[name]
    except KeyError:
        known = ", ".join(sorted(PURCHASE_MODELS))
        raise ValueError(f"unknown purchase model {name!r}; choose one of {known}") from None
