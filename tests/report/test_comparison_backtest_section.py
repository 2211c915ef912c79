"""The report's per-model backtest table of a compare backtest."""

import polars as pl

from flo_bayes.io.writers import write_frame
from flo_bayes.report.i18n import Translator
from flo_bayes.report.sections import comparison_backtest_part
from flo_bayes.runs import RunFolder


def _table(with_backtest: bool) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "model": ["bgnbd", "mbgnbd", "pnbd"],
            "elpd_loo": [-9586.5, -9586.7, None],
            "picked": [True, False, False],
            "note": ["", "", "left out: no selection-aware likelihood"],
        }
    )
    if not with_backtest:
        return frame
    return frame.with_columns(
        pl.Series("holdout_mae", [0.7851, 0.7656, None]),
        pl.Series("coverage_50", [0.4977, 0.4798, None]),
        pl.Series("coverage_90", [0.8969, 0.8948, None]),
        pl.Series("holdout_actual_total", [1882, 1882, None]),
        pl.Series("holdout_predicted_mean", [1645.7, 1568.9, None]),
        pl.Series("holdout_predicted_q05", [1305.8, 1950.0, None]),
        pl.Series("holdout_predicted_q95", [2020.0, 2100.0, None]),
        pl.Series("total_in_band", [True, False, None]),
        pl.Series("lowest_holdout_mae", [False, True, None]),
    )


def test_per_model_rows_with_band_and_verdict(tmp_path):
    folder = RunFolder(tmp_path)
    write_frame(_table(True), folder.model_comparison)
    html = comparison_backtest_part(tmp_path, Translator("en"))
    assert "Backtest of every purchase model" in html
    assert html.count("<tr") == 3  # header and the two fitted models, not the left-out one
    assert "Pareto/NBD" not in html
    assert "0.7851" in html and "0.7656" in html
    assert "1,306 – 2,020" in html and "1,950 – 2,100" in html
    assert "89.7 %" in html
    body = html.split("</th>")[-1]
    assert body.count(">yes<") == 2 and body.count(">no<") == 2  # picked and in-band verdicts


def test_nothing_without_backtest_columns(tmp_path):
    assert comparison_backtest_part(tmp_path, Translator("en")) == ""
    write_frame(_table(False), RunFolder(tmp_path).model_comparison)
    assert comparison_backtest_part(tmp_path, Translator("en")) == ""


def _context(path, **config):
    from types import SimpleNamespace

    from flo_bayes.config import Config
    from flo_bayes.report.sections import ReportContext

    run = SimpleNamespace(path=path, folder=RunFolder(path), settings=Config(**config))
    return ReportContext(run=run)


def test_comparison_lists_left_out_models_and_hints_at_the_backtest(tmp_path):
    from flo_bayes.report.sections import model_comparison_part

    write_frame(_table(False), RunFolder(tmp_path).model_comparison)
    rule = {"last_purchase_on_or_after": "2020-05-30", "min_purchase_occasions": 2}
    html = model_comparison_part(_context(tmp_path, data={"format": "flo", "selection": rule}))
    assert "conditioned on the extract's selection rule" in html
    assert "Pareto/NBD: left out: no selection-aware likelihood." in html
    assert html.count("<tr") == 3  # the two fitted models only
    assert "<strong>BG/NBD</strong>" in html
    assert "flo-bayes backtest" not in html  # a customer summary has no holdout
    log = model_comparison_part(_context(tmp_path, data={"format": "transactions"}))
    assert "flo-bayes backtest</code> with this config" in log
    assert "selection rule" not in log
    # with a compare backtest in <run>/backtest, the run's table points to it
    backtest = tmp_path / "backtest"
    write_frame(_table(True), RunFolder(backtest).model_comparison)
    RunFolder(backtest).backtest_json.write_text("{}")
    pointed = model_comparison_part(_context(tmp_path, data={"format": "transactions"}))
    assert "is in the backtest section" in pointed
    assert "flo-bayes backtest</code> with this config" not in pointed
