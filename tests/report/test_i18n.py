"""The report's text table: both languages complete, placeholders alike, headers in words."""

from __future__ import annotations

import string

import pytest

from flo_bayes.campaigns.columns import summary_columns, target_columns
from flo_bayes.errors import UserInputError
from flo_bayes.report.i18n import TEXT, Translator, column_header


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(TEXT))
def test_both_languages_have_the_same_placeholders(key: str):
    english, turkish = TEXT[key]
    assert english.strip() and turkish.strip()
    assert _fields(english) == _fields(turkish), key


def test_turkish_is_translated_and_uses_flo_terms():
    same = [key for key, (en, tr) in TEXT.items() if en == tr]
    # Only words Turkish borrows unchanged may stay the same (segment, a few labels).
    assert len(same) <= 0.05 * len(TEXT), same
    t = Translator("tr")
    assert t("col.value_tier") == "değer grubu"
    assert t("col.mean_p_alive") == "ortalama aktif kalma olasılığı"
    assert t("col.customers") == "müşteri sayısı"
    assert t("col.segment") == "segment"


def test_every_export_column_has_a_worded_header_in_both_languages():
    targets = target_columns(
        currency="TRY",
        horizon_months=6.0,
        run_margin=1.0,
        criterion="expected",
        level=0.1,
        cltv_columns=("cltv_6m_pred_mean", "cltv_6m_pred_q05", "cltv_6m_pred_q95"),
    )
    summary = summary_columns(currency="TRY", horizon_months=6.0, criterion="expected", level=0.1)
    for language in ("en", "tr"):
        for name, spec in {**targets, **summary}.items():
            header = column_header(name, language=language, currency="TRY", horizon_months=6.0)
            assert header != name, (language, name)
            if spec.kind == "money":
                assert "(TRY)" in header, (language, name, header)
    assert column_header("incremental_profit_q05", currency="USD") == (
        "Incremental profit, 5 % quantile (USD)"
    )
    assert column_header("cltv_12m_pred_q95", language="tr", currency="TRY") == (
        "Önümüzdeki 12 ay CLTV, %95 yüzdelik değeri (TRY)"
    )


def test_numbers_and_percentages_follow_the_language():
    en, tr = Translator("en"), Translator("tr")
    assert en.number(1234567.4) == "1,234,567" and tr.number(1234567.4) == "1.234.567"
    assert tr.number(1234.56, 1) == "1.234,6"
    assert en.number(-0.3) == "0" and tr.number(-0.3) == "0"
    assert en.percent(0.904) == "90 %" and tr.percent(0.904) == "%90"
    assert tr.percent(0.4926, 1) == "%49,3"


def test_unknown_language_is_refused():
    with pytest.raises(UserInputError, match="unknown report language 'de'.*en, tr"):
        Translator("de")  # type: ignore[arg-type]
