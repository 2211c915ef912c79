"""English and Turkish text of the report and of the campaign workbook's headers.

One table, :data:`TEXT`, maps a key to its ``(English, Turkish)`` text; :class:`Translator`
looks keys up for one language and fills ``{placeholders}``. Column headers of the exports
are built by :func:`column_header` from the same table, so a header reads in words and
names its currency (``Incremental profit, mean (TRY)`` / ``Artımlı kâr, ortalama (TRY)``).

Turkish follows FLO's vocabulary: müşteri (customer), segment, değer grubu (value tier),
pazarlama grubu (marketing tier), aktif kalma olasılığı (probability alive), müşteri yaşam
boyu değeri (CLTV), artımlı kâr (incremental profit), and the percent sign before the
number (``%90``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from flo_bayes.errors import UserInputError

Language = Literal["en", "tr"]
LANGUAGES: tuple[str, ...] = ("en", "tr")

# key -> (English, Turkish). Placeholders in braces are filled by Translator.__call__.
TEXT: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- page and navigation
    "page.title": ("flo_bayes report: {name}", "flo_bayes raporu: {name}"),
    "page.gate_failed_prefix": ("[GATE FAILED] ", "[YAKINSAMA BAŞARISIZ] "),
    "page.heading": ("Run report: {name}", "Çalıştırma raporu: {name}"),
    "page.meta": (
        "Input {path} ({format}); analysis date {date}; time unit {unit}; currency {currency}; "
        "run finished {finished}; report built {built} from the saved outputs (no refit).",
        "Girdi {path} ({format}); analiz tarihi {date}; zaman birimi {unit}; para birimi "
        "{currency}; çalıştırma bitişi {finished}; rapor kaydedilmiş çıktılardan {built} "
        "tarihinde oluşturuldu (model yeniden kurulmadı).",
    ),
    "page.footer": (
        "Report built in {seconds} s by flo_bayes.",
        "Rapor flo_bayes tarafından {seconds} saniyede oluşturuldu.",
    ),
    "page.analyst_part": (
        "For the analyst: data, diagnostics and model checks",
        "Analist için: veri, tanılama ve model kontrolleri",
    ),
    "nav.summary": ("Summary", "Özet"),
    "nav.data": ("Data", "Veri"),
    "nav.diagnostics": ("Diagnostics", "Tanılama"),
    "nav.plots": ("Diagnostic plots", "Tanılama grafikleri"),
    "nav.fit": ("Fit to data", "Veriye uyum"),
    "nav.backtest": ("Backtest", "Geriye dönük test"),
    "nav.segments": ("Segments and tiers", "Segmentler ve gruplar"),
    "nav.cltv": ("CLTV", "Yaşam boyu değer"),
    "nav.campaigns": ("Targets and campaigns", "Hedefler ve kampanyalar"),
    "nav.warnings": ("Warnings", "Uyarılar"),
    "nav.manifest": ("Manifest", "Çalıştırma kaydı"),
    "section.failed": ("the section '{label}'", "'{label}' bölümü"),
    "error.could_not": ("Could not produce {what}", "{what} oluşturulamadı"),
    # ---------------------------------------------------------------- banners
    "gate.passed": (
        "Convergence gate PASSED: all {n} checks (R-hat, bulk and tail ESS per parameter, "
        "divergences and E-BFMI per model) meet their thresholds.",
        "Yakınsama kontrolü BAŞARILI: {n} kontrolün tümü (parametre başına R-hat, bulk ve "
        "tail ESS; model başına ıraksama ve E-BFMI) eşiklerini karşılıyor.",
    ),
    "gate.failed_title": ("CONVERGENCE GATE FAILED", "YAKINSAMA KONTROLÜ BAŞARISIZ"),
    "gate.failed_text": (
        "{failed} of {n} checks failed. The posteriors may not be trustworthy, and every "
        "exported row is marked convergence_passed = false. Do not hand these numbers to "
        "marketing before the fit is fixed.",
        "{n} kontrolden {failed} tanesi başarısız. Sonsal dağılımlar güvenilir olmayabilir; "
        "dışa aktarılan her satır convergence_passed = false olarak işaretlendi. Model "
        "düzeltilmeden bu sayılar pazarlama ekibine verilmemeli.",
    ),
    "gate.failed_list": (
        "The {n} failed checks (click to open; also under Diagnostics)",
        "Başarısız {n} kontrol (açmak için tıklayın; Tanılama bölümünde de var)",
    ),
    "gate.missing_title": (
        "CONVERGENCE GATE: NOT RECORDED",
        "YAKINSAMA KONTROLÜ: KAYIT YOK",
    ),
    "gate.missing_text": (
        "The manifest holds no convergence result; do not use these numbers.",
        "Çalıştırma kaydında yakınsama sonucu yok; bu sayıları kullanmayın.",
    ),
    "warn.banner": (
        "{n} warning(s) for this run: {codes}.",
        "Bu çalıştırma için {n} uyarı: {codes}.",
    ),
    "warn.see": ("See Warnings", "Uyarılar bölümüne bakın"),
    # ---------------------------------------------------------------- executive summary
    "summary.title": ("Executive summary", "Yönetici özeti"),
    "summary.lead": (
        "Value expected from the {customers} customers over the next {months} months, in "
        "{currency}. Bands are 90 % predictive intervals: the value lands inside them in 9 "
        "of 10 outcomes.",
        "{customers} müşteriden önümüzdeki {months} ayda beklenen değer ({currency}). "
        "Aralıklar %90 tahmin aralıklarıdır: gerçekleşen değer 10 durumdan 9'unda bu "
        "aralığın içinde kalır.",
    ),
    "kpi.customers": ("customers", "müşteri"),
    "kpi.total_cltv": (
        "expected value, next {months} months ({currency})",
        "önümüzdeki {months} ayda beklenen değer ({currency})",
    ),
    "kpi.band": ("90 % band {low} – {high}", "%90 aralık {low} – {high}"),
    "kpi.p_alive": ("mean probability alive", "ortalama aktif kalma olasılığı"),
    "kpi.campaign_profit": (
        "campaign plan: expected profit ({currency})",
        "kampanya planı: beklenen kâr ({currency})",
    ),
    "kpi.contacts": ("{n} contacts", "{n} iletişim"),
    "kpi.gate_ok": ("model checks passed", "model kontrolleri başarılı"),
    "kpi.gate_bad": ("model checks FAILED", "model kontrolleri BAŞARISIZ"),
    "summary.by_segment": ("Value by RFM segment", "RFM segmentine göre değer"),
    "summary.by_value_tier": ("Value by value tier", "Değer grubuna göre değer"),
    "summary.value_chart_caption": (
        "Total expected value of each group (bar) with its 90 % band (black line); groups "
        "ordered by value.",
        "Her grubun toplam beklenen değeri (çubuk) ve %90 aralığı (siyah çizgi); gruplar "
        "değere göre sıralı.",
    ),
    "summary.plan": ("Campaign plan", "Kampanya planı"),
    "summary.plan_caption": (
        "Expected incremental profit of each campaign after cost (dot) with its 90 % band "
        "(line); a band crossing zero means the campaign may lose money.",
        "Her kampanyanın maliyet sonrası beklenen artımlı kârı (nokta) ve %90 aralığı "
        "(çizgi); sıfırı kesen bir aralık kampanyanın zarar edebileceğini gösterir.",
    ),
    "summary.no_plan": (
        "No campaign plan in this run folder (flo-bayes plan writes one).",
        "Bu çalıştırma klasöründe kampanya planı yok (flo-bayes plan komutu oluşturur).",
    ),
    "summary.nobody": (
        "{n} campaign(s) select nobody: {names}.",
        "{n} kampanya hiç müşteri seçmiyor: {names}.",
    ),
    "summary.contact_first": ("Who to contact first", "Önce kimlere ulaşılmalı"),
    "summary.contact_first_lead": (
        "The first {n} customers of each campaign's list (best first). The report holds no "
        "customer ids: the rank points into the campaign's list in campaign_plan.xlsx and "
        "campaigns/<campaign>.csv.",
        "Her kampanya listesinin ilk {n} müşterisi (en iyisi başta). Rapor müşteri numarası "
        "içermez: sıra, campaign_plan.xlsx ve campaigns/<kampanya>.csv içindeki kampanya "
        "listesini gösterir.",
    ),
    "summary.top_value_lead": (
        "No campaign plan: the {n} customers with the highest expected value (their ids are "
        "in customers.csv, ranked by value_rank).",
        "Kampanya planı yok: beklenen değeri en yüksek {n} müşteri (numaraları customers.csv "
        "içinde, value_rank sırasıyla).",
    ),
    "summary.more_in_lists": (
        "Diagnostics for analysts follow below.",
        "Analistler için tanılama bilgileri aşağıdadır.",
    ),
    "chart.total_value": (
        "total expected value, next {months} months ({currency})",
        "önümüzdeki {months} ayda toplam beklenen değer ({currency})",
    ),
    "chart.profit": (
        "incremental profit after cost ({currency})",
        "maliyet sonrası artımlı kâr ({currency})",
    ),
    "chart.contacts_label": ("{n} contacts", "{n} iletişim"),
    "chart.p_loss_label": ("P(loss) {p}", "zarar olasılığı {p}"),
    "chart.no_contacts": ("no customer selected", "müşteri seçilmedi"),
    # ---------------------------------------------------------------- section headings
    "h.data": ("Data", "Veri"),
    "h.input": ("Input and row accounting", "Girdi ve satır sayımı"),
    "h.rejected": ("Rejected rows", "Reddedilen satırlar"),
    "h.customer_summary": ("Customer summary", "Müşteri özeti"),
    "h.diagnostics": ("Convergence diagnostics", "Yakınsama tanılaması"),
    "h.posterior_summary": ("Posterior summary (ArviZ)", "Sonsal özet (ArviZ)"),
    "h.sampler": ("Sampler statistics", "Örnekleyici istatistikleri"),
    "h.all_checks": ("All {n} gate checks", "Tüm {n} yakınsama kontrolü"),
    "h.prior_posterior": ("Prior against posterior", "Önsel ve sonsal karşılaştırması"),
    "h.plots": ("Diagnostic plots", "Tanılama grafikleri"),
    "h.fit": ("Fit to data", "Modelin veriye uyumu"),
    "h.period": (
        "Repeat purchases: observed vs posterior predictive",
        "Tekrar satın almalar: gözlenen ve sonsal tahmin",
    ),
    "h.grid": ("Frequency-recency grids", "Sıklık-yenilik tabloları"),
    "h.spend": (
        "Mean spend per purchase: observed vs posterior predictive",
        "Satın alma başına ortalama harcama: gözlenen ve sonsal tahmin",
    ),
    "h.backtest": ("Backtest on a holdout period", "Test dönemi üzerinde geriye dönük test"),
    "h.segments": ("Segments and tiers", "Segmentler ve gruplar"),
    "h.segment_profiles": ("Segment profiles (RFM)", "Segment profilleri (RFM)"),
    "h.tier_profiles": ("Tier profiles", "Pazarlama grubu profilleri"),
    "h.crosstab": (
        "Customers by segment and value tier",
        "Segment ve değer grubuna göre müşteriler",
    ),
    "h.cltv": ("Customer lifetime value", "Müşteri yaşam boyu değeri (CLTV)"),
    "h.by_group": ("By {group}", "{group} bazında"),
    "h.campaigns": ("Targets and campaigns", "Hedefler ve kampanyalar"),
    "h.target_lists": ("Target lists", "Hedef listeleri"),
    "h.campaign_plan": ("Campaign plan", "Kampanya planı"),
    "h.warnings": ("Warnings", "Uyarılar"),
    "h.manifest": ("Manifest", "Çalıştırma kaydı"),
    "h.stage_timings": ("Stage timings", "Aşama süreleri"),
    "h.manifest_json": (
        "Full manifest (JSON, click to open)",
        "Çalıştırma kaydının tamamı (JSON, açmak için tıklayın)",
    ),
    "group.segment": ("RFM segment", "RFM segmenti"),
    "group.tier_label": ("marketing tier", "pazarlama grubu"),
    "group.value_tier": ("value tier", "değer grubu"),
    # ---------------------------------------------------------------- backtest
    "backtest.lead": (
        "Fitted on the data up to {calibration_end}, then predicted the holdout to "
        "{holdout_end} ({customers} customers). Coverage: the share of customers whose actual "
        "holdout purchases fall inside their own predictive interval (near 50 % and 90 % "
        "when the intervals are honest).",
        "Model {calibration_end} tarihine kadarki veriyle kuruldu, ardından {holdout_end} "
        "tarihine kadarki test dönemi tahmin edildi ({customers} müşteri). Kapsama: gerçek "
        "test dönemi satın almaları kendi tahmin aralığına düşen müşterilerin payı "
        "(aralıklar dürüstse %50 ve %90'a yakın).",
    ),
    "backtest.none": (
        "No backtest in this run folder. For transaction logs, flo-bayes backtest --out "
        "<run folder>/backtest adds one (weekly tracking of actual against predicted "
        "purchases, coverage of the intervals).",
        "Bu çalıştırma klasöründe geriye dönük test yok. İşlem kayıtları için flo-bayes "
        "backtest --out <çalıştırma klasörü>/backtest bir tane ekler.",
    ),
    "backtest.per_model": (
        "Backtest of every purchase model",
        "Her satın alma modelinin geriye dönük testi",
    ),
    "backtest.per_model_lead": (
        '[model] purchase = "compare": every model fitted on the calibration period and '
        "scored on the holdout like the picked one. The pick follows PSIS-LOO (see the "
        "diagnostics); these figures are shown beside it, not used for it. The figures above "
        "are the picked model's; the lowest holdout MAE is marked.",
        '[model] purchase = "compare": her model kalibrasyon dönemiyle kuruldu ve seçilen '
        "model gibi test döneminde puanlandı. Seçim PSIS-LOO kuralına göredir (tanılamalara "
        "bakın); bu rakamlar yanında gösterilir, seçimde kullanılmaz. Yukarıdaki rakamlar "
        "seçilen modelindir; en düşük test dönemi MAE işaretlidir.",
    ),
    "backtest.measure": ("measure", "ölçü"),
    "backtest.actual": ("actual", "gerçekleşen"),
    "backtest.predicted": ("predicted mean", "tahmin ortalaması"),
    "backtest.band": ("90 % band", "%90 aralık"),
    "backtest.inside": ("inside band", "aralıkta mı"),
    "backtest.purchases": ("holdout purchases (all customers)", "test dönemi satın almaları"),
    "backtest.spend": ("holdout spend (all customers)", "test dönemi harcaması"),
    "backtest.coverage50": ("customers inside their 50 % interval", "%50 aralığındaki müşteri"),
    "backtest.coverage90": ("customers inside their 90 % interval", "%90 aralığındaki müşteri"),
    "backtest.spend_coverage50": (
        "customers' spend inside their 50 % interval",
        "harcaması %50 aralığındaki müşteri",
    ),
    "backtest.spend_coverage90": (
        "customers' spend inside their 90 % interval",
        "harcaması %90 aralığındaki müşteri",
    ),
    "backtest.cumulative_caption": (
        "Cumulative holdout purchases by week: actual against the model's expectation.",
        "Haftalık kümülatif test dönemi satın almaları: gerçekleşen ve modelin beklentisi.",
    ),
    "backtest.incremental_caption": (
        "Purchases in each holdout week: actual against the model's expectation.",
        "Test döneminin her haftasındaki satın almalar: gerçekleşen ve modelin beklentisi.",
    ),
    "backtest.calibration_caption": (
        "Mean holdout purchases by calibration frequency.",
        "Kalibrasyon sıklığına göre ortalama test dönemi satın almaları.",
    ),
    "yes": ("yes", "evet"),
    "unit.weeks": ("weeks", "hafta"),
    "unit.days": ("days", "gün"),
    "unit.months": ("months", "ay"),
    "no": ("no", "hayır"),
    # ---------------------------------------------------------------- table headers (report)
    "col.campaign": ("campaign", "kampanya"),
    "col.rank": ("rank", "sıra"),
    "col.customer_id": ("customer", "müşteri"),
    "col.p_alive": ("probability alive", "aktif kalma olasılığı"),
    "col.cltv_mean": (
        "CLTV {months} months ({currency})",
        "{months} aylık CLTV ({currency})",
    ),
    "col.profit_mean": (
        "incremental profit ({currency})",
        "artımlı kâr ({currency})",
    ),
    "col.profit_band": ("profit 90 % band ({currency})", "kâr %90 aralığı ({currency})"),
    "col.p_loss": ("probability of a loss", "zarar olasılığı"),
    "col.segment": ("segment", "segment"),
    "col.tier_label": ("marketing tier", "pazarlama grubu"),
    "col.value_tier": ("value tier", "değer grubu"),
    "col.customers": ("customers", "müşteri sayısı"),
    "col.share_customers": ("share of customers", "müşteri payı"),
    "col.mean_p_alive": ("mean probability alive", "ortalama aktif kalma olasılığı"),
    "col.total_value": ("total value ({currency})", "toplam değer ({currency})"),
    "col.total_value_band": ("90 % band ({currency})", "%90 aralık ({currency})"),
    "col.share_value": ("share of value", "değer payı"),
    "col.value_per_customer": (
        "value per customer ({currency})",
        "müşteri başına değer ({currency})",
    ),
    # ---------------------------------------------------------------- workbook
    "sheet.summary": ("summary", "özet"),
    "sheet.columns": ("columns", "sütunlar"),
    "sheet.settings": ("settings", "ayarlar"),
    "xlsx.sheet": ("sheet", "sayfa"),
    "xlsx.header": ("header", "başlık"),
    "xlsx.column": ("column (CSV name)", "sütun (CSV adı)"),
    "xlsx.description": ("description", "açıklama"),
    "xlsx.setting": ("setting", "ayar"),
    "xlsx.value": ("value", "değer"),
    "xlsx.campaign_sheets": ("<campaign sheets>", "<kampanya sayfaları>"),
    "xlsx.warning_line": ("WARNING: {text}", "UYARI: {text}"),
    "xlsx.run_warnings": ("run warnings", "çalıştırma uyarıları"),
    "xlsx.plan_warnings": ("plan warnings", "plan uyarıları"),
    "xlsx.none": ("none", "yok"),
    # Export column headers, in words. {currency} and {horizon} are filled per column.
    "head.rank": ("Rank (1 = contact first)", "Öncelik sırası (1 = önce ulaşılacak)"),
    "head.customer_id": ("Customer ID", "Müşteri no"),
    "head.campaign": ("Campaign", "Kampanya"),
    "head.segment": ("RFM segment", "RFM segmenti"),
    "head.tier": ("Marketing tier (id)", "Pazarlama grubu (kod)"),
    "head.tier_label": ("Marketing tier", "Pazarlama grubu"),
    "head.value_tier": ("Value tier", "Değer grubu"),
    "head.p_alive": ("Probability alive", "Aktif kalma olasılığı"),
    "head.incremental_revenue_mean": (
        "Incremental revenue, mean ({currency})",
        "Artımlı gelir, ortalama ({currency})",
    ),
    "head.incremental_profit_mean": (
        "Incremental profit, mean ({currency})",
        "Artımlı kâr, ortalama ({currency})",
    ),
    "head.incremental_profit_q": (
        "Incremental profit, {pct} quantile ({currency})",
        "Artımlı kâr, {pct} yüzdelik değeri ({currency})",
    ),
    "head.p_loss": ("Probability of a loss", "Zarar olasılığı"),
    "head.criterion_value": ("Ranking value ({currency})", "Sıralama değeri ({currency})"),
    "head.p_selected": ("Selection stability", "Seçilme kararlılığı"),
    "head.cost_per_contact": (
        "Cost per contact ({currency})",
        "İletişim başına maliyet ({currency})",
    ),
    "head.strategy": ("Strategy", "Strateji"),
    "head.sheet": ("Sheet", "Sayfa"),
    "head.description": ("Description", "Açıklama"),
    "head.effect": ("Assumed effect", "Varsayılan etki"),
    "head.eligible": ("Eligible customers", "Uygun müşteri sayısı"),
    "head.candidates": ("Candidates", "Aday müşteri sayısı"),
    "head.contact_limit": ("Contact limit", "İletişim sınırı"),
    "head.contacts": ("Contacts", "İletişim sayısı"),
    "head.budget": ("Budget ({currency})", "Bütçe ({currency})"),
    "head.max_contacts": ("Maximum contacts", "En fazla iletişim"),
    "head.cost": ("Cost ({currency})", "Maliyet ({currency})"),
    "head.budget_used": ("Budget used", "Kullanılan bütçe"),
    "head.margin": ("Gross margin", "Brüt kâr marjı"),
    "head.profit_mean": ("Profit, mean ({currency})", "Kâr, ortalama ({currency})"),
    "head.profit_q": (
        "Profit, {pct} quantile ({currency})",
        "Kâr, {pct} yüzdelik değeri ({currency})",
    ),
    "head.roi_mean": ("Return on cost, mean", "Maliyet getirisi, ortalama"),
    "head.mean_p_selected": ("Mean selection stability", "Ortalama seçilme kararlılığı"),
    "head.criterion": ("Ranking criterion", "Sıralama ölçütü"),
    "head.selection": ("Selection method", "Seçim yöntemi"),
    "head.warning": ("Warning", "Uyarı"),
    "head.cltv_mean": (
        "CLTV next {horizon} months, mean ({currency})",
        "Önümüzdeki {horizon} ay CLTV, ortalama ({currency})",
    ),
    "head.cltv_median": (
        "CLTV next {horizon} months, median ({currency})",
        "Önümüzdeki {horizon} ay CLTV, medyan ({currency})",
    ),
    "head.cltv_q": (
        "CLTV next {horizon} months, {pct} quantile ({currency})",
        "Önümüzdeki {horizon} ay CLTV, {pct} yüzdelik değeri ({currency})",
    ),
    "head.expected_cltv_mean": (
        "Expected CLTV next {horizon} months, mean ({currency})",
        "Önümüzdeki {horizon} ay beklenen CLTV, ortalama ({currency})",
    ),
}

_QUANTILE = re.compile(r"^(?P<stem>.+)_q(?P<pct>\d+(?:_\d+)?)$")
_CLTV = re.compile(r"^cltv_(?P<h>\d+(?:_\d+)?)m_pred_(?P<stat>mean|median|q\d+(?:_\d+)?)$")
_EXPECTED_CLTV = re.compile(r"^expected_cltv_(?P<h>\d+(?:_\d+)?)m_mean$")


def check_language(language: str) -> Language:
    """Return ``language`` when it is supported, else raise a clear error.

    Raises
    ------
    UserInputError
        For anything but ``"en"`` or ``"tr"``.

    """
    if language not in LANGUAGES:
        raise UserInputError(
            f"unknown report language {language!r}: use one of {', '.join(LANGUAGES)}"
        )
    return language  # type: ignore[return-value]


def percent(value: float, language: str, digits: int = 0) -> str:
    """A percentage in the language's style: ``90 %`` in English, ``%90`` in Turkish."""
    number = f"{100 * value:.{digits}f}"
    if language == "tr":
        return "%" + number.replace(".", ",")
    return f"{number} %"


@dataclass(frozen=True)
class Translator:
    """Text of one language: ``t("summary.title")`` or ``t("kpi.contacts", n=12)``.

    Parameters
    ----------
    language : {"en", "tr"}
        Output language.

    """

    language: Language = "en"

    def __post_init__(self) -> None:
        check_language(self.language)

    def __call__(self, key: str, **values: object) -> str:
        """The text of ``key`` with ``{placeholders}`` filled from ``values``."""
        english, turkish = TEXT[key]
        text = turkish if self.language == "tr" else english
        return text.format(**values) if values else text

    def number(self, value: float, digits: int = 0) -> str:
        """A number with thousands separators: ``12,345.6`` in English, ``12.345,6`` in Turkish."""
        rounded = round(float(value), digits)
        if rounded == 0:
            rounded = 0.0  # no "-0"
        text = f"{rounded:,.{digits}f}"
        if self.language == "tr":
            return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def percent(self, value: float, digits: int = 0) -> str:
        """A share as a percentage in this language's style."""
        return percent(value, self.language, digits)


def _quantile_label(pct: str, language: str) -> str:
    value = float(pct.replace("_", "."))
    number = f"{value:g}"
    return f"%{number.replace('.', ',')}" if language == "tr" else f"{number} %"


def column_header(
    name: str, *, language: str = "en", currency: str = "", horizon_months: float | None = None
) -> str:
    """An export column's header in words, with its currency (e.g. ``Cost (TRY)``).

    Parameters
    ----------
    name : str
        The column's machine name (as in the CSV files).
    language : {"en", "tr"}
        Header language.
    currency : str
        Currency of money columns.
    horizon_months : float, optional
        Horizon named in CLTV headers when the column name does not carry it.

    Returns
    -------
    str
        The header; a column the table does not know keeps its machine name.

    """
    t = Translator(check_language(language))
    horizon = "" if horizon_months is None else f"{horizon_months:g}"
    if (match := _CLTV.match(name)) is not None:
        months = match["h"].replace("_", ".")
        stat = match["stat"]
        if stat in ("mean", "median"):
            return t(f"head.cltv_{stat}", horizon=months, currency=currency)
        return t(
            "head.cltv_q",
            horizon=months,
            currency=currency,
            pct=_quantile_label(stat[1:], language),
        )
    if (match := _EXPECTED_CLTV.match(name)) is not None:
        return t("head.expected_cltv_mean", horizon=match["h"].replace("_", "."), currency=currency)
    if f"head.{name}" in TEXT:
        return t(f"head.{name}", currency=currency, horizon=horizon)
    if (match := _QUANTILE.match(name)) is not None and f"head.{match['stem']}_q" in TEXT:
        return t(
            f"head.{match['stem']}_q",
            currency=currency,
            pct=_quantile_label(match["pct"], language),
        )
    return name


__all__ = [
    "LANGUAGES",
    "TEXT",
    "Language",
    "Translator",
    "check_language",
    "column_header",
    "percent",
]
