"""Tables for readers: full text, URLs as links, percentages and units, the same HTML on every run.

Used by the notebooks' presenters and the site (as ``charts.table_style``)."""
from __future__ import annotations

import hashlib
import html
import re

import pandas as pd


def table_style(frame: pd.DataFrame, percent: tuple[str, ...] = (), units: dict[str, str] | None = None,
                precision: int = 1, index: bool = False):
    """A table for readers: full text (nothing cut), URLs as links, ``percent`` columns as percentages
    (never e-notation), other numbers with ``precision`` decimals, and each unit after its column name.

    Returns a pandas ``Styler``: it displays as HTML in a notebook and ``.to_html()`` gives the site's table.
    """
    units = units or {}
    out = frame.rename(columns={c: f"{c} ({u})" for c, u in units.items() if c in frame.columns})
    pct = [f"{c} ({units[c]})" if c in units else c for c in percent if c in frame.columns]
    fmt = {c: _percent for c in pct}
    for c in out.columns:
        if c in fmt:
            continue
        if pd.api.types.is_float_dtype(out[c]):
            fmt[c] = (lambda v, p=precision: "n/a" if pd.isna(v) else f"{v:,.{p}f}")
        elif not pd.api.types.is_numeric_dtype(out[c]):
            fmt[c] = _text_cell
    numeric = [c for c in out.columns if pd.api.types.is_numeric_dtype(out[c]) or c in pct]
    styler = out.style.format(fmt, na_rep="n/a").format_index(escape="html", axis=1)
    # a table id drawn from the content, not at random, so re-running a notebook shows the same HTML
    styler.set_uuid("t" + hashlib.sha1(out.to_csv().encode()).hexdigest()[:10])
    styler = styler.set_properties(**{"text-align": "left"}).set_properties(subset=numeric, **{"text-align": "right"})
    _plain_text_without_address()
    return styler if index else styler.hide(axis="index")


def _plain_text_without_address() -> None:
    """In a notebook, a table's plain-text form says its size instead of ``<Styler at 0x7f...>``, so re-running a
    notebook that shows the same tables writes the same outputs (the HTML form is unchanged)."""
    try:
        from IPython import get_ipython
    except ImportError:  # no IPython: nothing displays the table as text
        return
    shell = get_ipython()
    if shell is not None:
        from pandas.io.formats.style import Styler

        shell.display_formatter.formatters["text/plain"].for_type(
            Styler, lambda obj, printer, cycle: printer.text(f"<table: {obj.data.shape[0]} rows x {obj.data.shape[1]} columns>"))


_URL = re.compile(r"(https?://[^\s<>\"')\]]*[^\s<>\"')\].,;:])")


def _text_cell(value) -> str:
    """Escaped text with its URLs as links (the link text is the URL itself)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "n/a"
    return _URL.sub(r'<a href="\1">\1</a>', html.escape(str(value), quote=False))


def _percent(value) -> str:
    """A share as a percentage with three significant digits: 0.5 -> 50%, 0.0000123 -> 0.00123%."""
    return "n/a" if pd.isna(value) else f"{value * 100:.3g}%"
