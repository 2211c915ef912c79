"""Small HTML building blocks for the self-contained report: escaping, tables, images, CSS.

Everything is inline: images are base64 PNG data URIs, styles live in one ``<style>``
element, and there is no script and no external reference of any kind.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Sequence

import polars as pl
from matplotlib.figure import Figure

# Resolution of embedded figures: sharp enough on screen, small enough to send by e-mail.
FIGURE_DPI = 90
# Rows shown of a long table before it is cut (the full table is in the run folder).
DEFAULT_MAX_ROWS = 60

CSS = """
:root { --ok: #1a7f37; --bad: #c62828; --warn: #9a6700; --line: #d0d7de; --muted: #57606a; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif;
       margin: 0; color: #1f2328; background: #ffffff; font-size: 14px; line-height: 1.45; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.meta, .muted { color: var(--muted); }
nav { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px;
      margin: 12px 0; }
nav { display: flex; flex-wrap: wrap; gap: 2px 14px; }
nav a { color: #0969da; text-decoration: none; white-space: nowrap; }
.banner { border-radius: 8px; padding: 14px 18px; margin: 14px 0; font-size: 16px; }
.banner.ok { background: #dafbe1; border: 2px solid var(--ok); color: #0f4d22; }
.banner.bad { background: #ffebe9; border: 4px solid var(--bad); color: #82071e; }
.banner.bad strong.big { font-size: 26px; display: block; letter-spacing: 0.5px; }
.banner.warn { background: #fff8c5; border: 2px solid #d4a72c; color: #4d2d00; }
.banner ul { margin: 6px 0 0; }
.banner details { margin: 6px 0 0; }
.banner.bad summary { color: #82071e; font-weight: 600; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 12.5px; }
th, td { border: 1px solid var(--line); padding: 3px 7px; text-align: right; vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; }
td.text, th.text { text-align: left; }
td.pass { background: #dafbe1; color: #0f4d22; font-weight: 600; text-align: center; }
td.fail { background: #ffcecb; color: #82071e; font-weight: 700; text-align: center; }
tr.failrow td { background: #fff0ef; }
.tablewrap { overflow-x: auto; max-width: 100%; }
figure { margin: 10px 0 18px; }
figure img { max-width: 100%; height: auto; border: 1px solid #eaeef2; }
figcaption { color: var(--muted); font-size: 12.5px; margin-top: 2px; }
.error { color: var(--bad); border-left: 4px solid var(--bad); padding: 4px 10px; background: #fff5f5; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: 10px; overflow-x: auto;
      font-size: 12px; line-height: 1.35; }
details { margin: 6px 0 12px; }
summary { cursor: pointer; color: #0969da; }
.kv td:first-child { text-align: left; font-weight: 600; background: #fbfbfc; }
.kv td { text-align: left; }
code { background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
.banner.compact { padding: 8px 14px; margin: 8px 0; font-size: 14px; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 10px 0 6px; }
.kpi { flex: 1 1 180px; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px;
       background: #f6f8fa; }
.kpi .value { font-size: 24px; font-weight: 700; }
.kpi .label { color: var(--muted); }
.kpi .note { font-size: 12.5px; margin-top: 2px; }
.kpi.ok .value { color: var(--ok); }
.kpi.bad { background: #ffebe9; border-color: var(--bad); }
.kpi.bad .value { color: var(--bad); }
#summary td { white-space: nowrap; }
#summary th { max-width: 150px; }
.partbreak { margin: 40px 0 0; padding: 8px 12px; background: #f6f8fa; border-left: 4px solid
             #0969da; font-size: 15px; font-weight: 600; }
#summary h2 { border-bottom-color: #0969da; }
"""


def esc(value: object) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(value), quote=True)


def format_value(value: object) -> str:
    """Readable text for a table cell: thousands separators, 4 significant digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value == 0:
            return "0"
        magnitude = abs(value)
        if magnitude >= 1e4:
            return f"{value:,.0f}"
        if magnitude >= 1e-3:
            return f"{value:.4g}"
        return f"{value:.3e}"
    if isinstance(value, list | tuple):
        return ", ".join(format_value(item) for item in value)
    return str(value)


def _is_numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric()


def table(
    frame: pl.DataFrame,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    cell_class: dict[str, Iterable[str | None]] | None = None,
    row_class: Sequence[str | None] | None = None,
    note_when_cut: str = "",
    formats: dict[str, str] | None = None,
    right_aligned: Iterable[str] = (),
) -> str:
    """Render a Polars frame as an HTML table.

    Parameters
    ----------
    frame : polars.DataFrame
        The data; numbers are right-aligned and formatted by :func:`format_value`.
    max_rows : int
        Show at most this many rows and say how many were left out.
    cell_class : dict of str to iterable, optional
        Per column, a CSS class for each row's cell (e.g. ``pass`` / ``fail``).
    row_class : sequence, optional
        A CSS class per row.
    note_when_cut : str
        Extra text after "showing N of M rows" (e.g. where the full table is).
    formats : dict of str to str, optional
        Per column, a format spec for its numbers (e.g. ``".4f"``) instead of the default.
    right_aligned : iterable of str
        Text columns to align right like numbers (cells already formatted as text).

    Returns
    -------
    str
        ``<table>`` HTML inside a horizontally scrolling wrapper.

    """
    shown = frame.head(max_rows)
    classes = {name: list(values) for name, values in (cell_class or {}).items()}
    aligned = set(right_aligned)
    numeric = {name: _is_numeric(dtype) or name in aligned for name, dtype in frame.schema.items()}
    head = "".join(
        f'<th class="{"" if numeric[name] else "text"}">{esc(name)}</th>' for name in frame.columns
    )
    body = []
    for index, row in enumerate(shown.iter_rows()):
        cells = []
        for name, value in zip(frame.columns, row, strict=True):
            css = classes.get(name, [])
            css_class = css[index] if index < len(css) and css[index] else ""
            if not css_class and not numeric[name]:
                css_class = "text"
            attribute = f' class="{css_class}"' if css_class else ""
            spec = (formats or {}).get(name)
            text = (
                format(value, spec)
                if spec and isinstance(value, int | float) and not isinstance(value, bool)
                else format_value(value)
            )
            cells.append(f"<td{attribute}>{esc(text)}</td>")
        row_css = row_class[index] if row_class is not None and index < len(row_class) else None
        row_attribute = f' class="{row_css}"' if row_css else ""
        body.append(f"<tr{row_attribute}>{''.join(cells)}</tr>")
    note = ""
    if frame.height > shown.height:
        note = (
            f'<p class="muted">Showing {shown.height:,} of {frame.height:,} rows. '
            f"{esc(note_when_cut)}</p>"
        )
    return (
        f'<div class="tablewrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{note}"
    )


def key_value_table(items: Iterable[tuple[str, object]]) -> str:
    """Two-column table of labels and values."""
    rows = "".join(
        f"<tr><td>{esc(key)}</td><td>{esc(format_value(value))}</td></tr>" for key, value in items
    )
    return f'<div class="tablewrap"><table class="kv"><tbody>{rows}</tbody></table></div>'


def figure_data_uri(figure: Figure, *, dpi: int = FIGURE_DPI) -> str:
    """Encode a matplotlib figure as a ``data:image/png;base64,...`` URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def png_data_uri(data: bytes) -> str:
    """Encode PNG bytes as a data URI."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def image(uri: str, *, alt: str, caption: str = "") -> str:
    """An embedded image with a caption."""
    caption_html = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{uri}" alt="{esc(alt)}">{caption_html}</figure>'


def error_note(what: str, error: BaseException) -> str:
    """A visible note in place of a plot or table that could not be produced."""
    return (
        f'<p class="error">Could not produce {esc(what)}: '
        f"{esc(type(error).__name__)}: {esc(str(error)[:400])}</p>"
    )


def section(anchor: str, title: str, body: str) -> str:
    """A top-level report section with an anchor for the navigation bar."""
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{body}</section>'


def page(
    title: str,
    header: str,
    navigation: Sequence[tuple[str, str]],
    sections: str,
    *,
    language: str = "en",
) -> str:
    """The whole HTML document (``language`` goes into ``<html lang>``)."""
    links = "".join(f'<a href="#{esc(anchor)}">{esc(label)}</a>' for anchor, label in navigation)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{header}<nav>{links}</nav>{sections}</main></body></html>\n"
    )
