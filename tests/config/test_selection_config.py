"""``[data.selection]``: the extract rule is validated with messages that say how to fix it."""

from datetime import date
from pathlib import Path

import pytest

from flo_bayes.config import load_config
from flo_bayes.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def _load(tmp_path: Path, text: str):
    path = tmp_path / "selection.toml"
    path.write_text(text, encoding="utf-8")
    return path, load_config


def test_unset_is_a_full_cohort_and_flo_sets_its_rule():
    assert load_config(REPO / "configs" / "default.toml").data.selection is None
    rule = load_config(REPO / "configs" / "flo.toml").data.selection
    assert rule.last_purchase_on_or_after == date(2020, 5, 30)
    assert rule.min_purchase_occasions == 2
    extract = load_config(REPO / "configs" / "cdnow_extract.toml").data.selection
    assert extract.last_purchase_on_or_after == date(1997, 4, 1)


def test_min_purchase_occasions_defaults_to_two(tmp_path):
    path, load = _load(tmp_path, "[data.selection]\nlast_purchase_on_or_after = 2020-05-30\n")
    assert load(path).data.selection.min_purchase_occasions == 2


@pytest.mark.parametrize(
    ("body", "key", "fragment"),
    [
        (
            "min_purchase_occasions = 3\nlast_purchase_on_or_after = 2020-05-30\n",
            "data.selection.min_purchase_occasions",
            "use 1 or 2",
        ),
        (
            "last_purchase_on_or_after = '2020-13-01'\n",
            "data.selection.last_purchase_on_or_after",
            "date",
        ),
        (
            "last_purchase_on_or_after = 'last spring'\n",
            "data.selection.last_purchase_on_or_after",
            "date",
        ),
        ("min_purchase_occasions = 2\n", "data.selection.last_purchase_on_or_after", "required"),
        (
            "last_purchase_on_or_after = 2020-05-30\nwindow = 3\n",
            "data.selection.window",
            "unknown key",
        ),
    ],
)
def test_bad_rule_names_the_key(tmp_path, body, key, fragment):
    path, load = _load(tmp_path, "[data.selection]\n" + body)
    with pytest.raises(ConfigError) as caught:
        load(path)
    message = str(caught.value)
    assert key in message
    assert fragment in message


def test_window_start_must_precede_a_fixed_analysis_date(tmp_path):
    path, load = _load(
        tmp_path,
        "[analysis]\nanalysis_date = 2021-06-01\n"
        "[data.selection]\nlast_purchase_on_or_after = 2021-06-01\n",
    )
    with pytest.raises(ConfigError, match="must lie before analysis.analysis_date"):
        load(path)
