"""Run configuration: the schema, its presets and the one loader (a leaf package).

Imports only pydantic, the standard library and :mod:`flo_bayes.errors`, so every stage can
depend on it without loading another stage.

* :mod:`~flo_bayes.config.types`: constrained types and the section base class;
* :mod:`~flo_bayes.config.vocabulary`: segment, tier, category, channel names;
* :mod:`~flo_bayes.config.schema`: :class:`Config` and its run sections;
* :mod:`~flo_bayes.config.segmentation`, :mod:`~flo_bayes.config.campaigns`: those sections;
* :mod:`~flo_bayes.config.defaults`: presets parsed from the package-data TOML files;
* :mod:`~flo_bayes.config.loader`: :func:`load_config`, :func:`config_from_dict`;
* :mod:`~flo_bayes.config.overrides`: :class:`RunOverrides` applied by validation;
* :mod:`~flo_bayes.config.errors`: the one validation-error formatter.
"""

from flo_bayes.config.campaigns import CampaignsConfig, validate_campaigns
from flo_bayes.config.defaults import (
    classic_flo_campaigns,
    classic_flo_target_lists,
    default_campaigns_config,
    default_tier_campaigns,
)
from flo_bayes.config.loader import config_from_dict, load_config, read_toml
from flo_bayes.config.overrides import RunOverrides, apply_overrides
from flo_bayes.config.schema import (
    AggregateShockSettings,
    AnalysisSettings,
    AutoScaledPrior,
    BetaGeoPriors,
    Config,
    ConvergenceGate,
    DataSettings,
    GammaGammaPriors,
    LogNormalPrior,
    ModelConfig,
    OutputSettings,
    ParetoNBDPriors,
    PredictionSettings,
    PriorSettings,
    SamplerSettings,
    SelectionRule,
    TransactionLayout,
)
from flo_bayes.config.segmentation import SegmentationConfig
from flo_bayes.config.types import PositiveFloat, Probability
from flo_bayes.errors import ConfigError

__all__ = [
    "AggregateShockSettings",
    "AnalysisSettings",
    "AutoScaledPrior",
    "BetaGeoPriors",
    "CampaignsConfig",
    "Config",
    "ConfigError",
    "ConvergenceGate",
    "DataSettings",
    "GammaGammaPriors",
    "LogNormalPrior",
    "ModelConfig",
    "OutputSettings",
    "ParetoNBDPriors",
    "PositiveFloat",
    "PredictionSettings",
    "PriorSettings",
    "Probability",
    "RunOverrides",
    "SamplerSettings",
    "SegmentationConfig",
    "SelectionRule",
    "TransactionLayout",
    "apply_overrides",
    "classic_flo_campaigns",
    "classic_flo_target_lists",
    "config_from_dict",
    "default_campaigns_config",
    "default_tier_campaigns",
    "load_config",
    "read_toml",
    "validate_campaigns",
]
