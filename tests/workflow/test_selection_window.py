"""The fit stage's reading of ``[data.selection]``: window in model time, unsupported models."""

from datetime import date

import pytest

from flo_bayes.config import Config
from flo_bayes.errors import ConfigError
from flo_bayes.workflow.fit import window_selection

RULE = {"last_purchase_on_or_after": "2020-05-30", "min_purchase_occasions": 2}


def test_no_rule_no_selection():
    assert window_selection(Config(), date(2021, 6, 1)) is None


def test_window_runs_from_the_start_to_the_analysis_date_in_model_units():
    weeks = window_selection(Config(data={"selection": RULE}), date(2021, 6, 1))
    assert weeks.window == pytest.approx(367 / 7)
    assert weeks.min_purchase_occasions == 2
    days = Config(data={"selection": RULE}, analysis={"time_unit": "days"})
    assert window_selection(days, date(2021, 6, 1)).window == pytest.approx(367)


def test_pareto_nbd_has_no_selection_aware_fit():
    config = Config(data={"selection": RULE}, model={"purchase": "pnbd"})
    with pytest.raises(ConfigError, match="selection-aware Pareto/NBD is not supported"):
        window_selection(config, date(2021, 6, 1))


def test_compare_conditions_on_the_rule_and_leaves_the_pareto_nbd_out_itself():
    config = Config(data={"selection": RULE}, model={"purchase": "compare"})
    assert window_selection(config, date(2021, 6, 1)).window == pytest.approx(367 / 7)


def test_window_start_after_the_resolved_analysis_date_is_refused():
    config = Config(data={"selection": {"last_purchase_on_or_after": "2021-07-01"}})
    with pytest.raises(ConfigError, match="is not before the analysis date 2021-06-01"):
        window_selection(config, date(2021, 6, 1))
