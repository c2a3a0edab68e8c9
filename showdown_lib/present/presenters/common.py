"""Shared by every presenter: inline display, computed Markdown, the run record, framework names."""
from __future__ import annotations

import dataclasses
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from ...core import environment
from ...core.registry import load_registry
from ...method.lifecycle import display_names
from .. import charts

def plain_number(x: float) -> str:
    """A float as readers write it, never in e-notation: one decimal from 1 up, more digits below 1."""
    if x != x:  # NaN
        return "NaN"
    if x == 0 or abs(x) >= 1:
        return f"{x:,.1f}"
    digits = 3
    while digits < 8 and f"{abs(x):.{digits}f}".strip("0.") == "":
        digits += 1
    return f"{x:.{digits}f}"


pd.set_option("display.precision", 1)
pd.set_option("display.float_format", plain_number)
pd.set_option("display.max_columns", 30)
pd.set_option("display.max_colwidth", None)
pd.set_option("display.width", 160)


def display(obj: Any) -> None:
    try:
        from IPython.display import display as ipy_display

        ipy_display(obj)
    except ImportError:  # outside IPython: print
        print(obj)


def md(text: str) -> None:
    """Show computed Markdown."""
    try:
        from IPython.display import Markdown

        display(Markdown(text))
    except ImportError:
        print(text)


def environment_record() -> pd.DataFrame:
    """The interpreter and package versions the notebook ran with (the report's last cell).

    It holds nothing that changes when nothing changed (no clock, no git revision), so running a step again on
    the same inputs, code and versions writes the same notebook, byte for byte, and a fresh clone's run leaves
    the committed notebooks as they are. When a notebook was run, and from which revision, is what git's
    history of the file says; the versions are also part of every step's record (:mod:`showdown_lib.pipeline`),
    so a run under other versions runs the step again.
    """
    rows = [{"item": item, "version": version} for item, version in environment.versions().items()]
    return pd.DataFrame(rows).set_index("item")


class Presenter:
    """A step's presenter: the registry's names and colours, and the step's writer."""

    def __init__(self, step) -> None:
        self.step = step
        self.registry = load_registry()  # colours are fixed over the whole registry
        self.all_frameworks = self.registry
        self.names = {fw.id: fw.name for fw in self.registry}

    def use_result(self, result) -> None:
        """Present ``result`` (a scored edition): its edition and method, and the lifecycle marks."""
        self.result = result
        self.edition = result.edition
        self.method = result.method
        self.mark_lifecycle(result.edition)

    def mark_lifecycle(self, edition, table: pd.DataFrame | None = None) -> None:
        """In a collected edition, every chart, table and sentence names a framework that is not developed on the
        edition's date with its status from the one lifecycle rule (``lifecycle.csv``), e.g. "Chainer (dormant)",
        and a front end with the backend it was measured on, "Keras (JAX backend)"; colours stay as they are."""
        if edition.kind != "collected":
            return
        self.lifecycle = table if table is not None else self.lifecycle_table(edition)
        registry = load_registry()
        self.names = display_names(registry, self.lifecycle)
        marked = [dataclasses.replace(fw, name=self.names[fw.id]) for fw in registry]
        self.registry = self.all_frameworks = marked

    def lifecycle_table(self, edition) -> pd.DataFrame:
        """The edition's lifecycle table, as the scoring step wrote it: a step must declare
        ``processed:<edition>/lifecycle`` to mark frameworks (else a :class:`StepError` naming that input, never a
        silent recomputation the step's fingerprint does not see). Outside a step (``step=None``): computed by the rule."""
        if self.step is None:
            from ...method.lifecycle import edition_table

            return edition_table(edition)
        return self.step.table(f"{edition.id}/lifecycle").fillna("")

    def stamp_context(self) -> tuple[str, str | None, str] | None:
        """(edition, as-of date, source footer) every chart of this presenter carries."""
        result = getattr(self, "result", None)
        return edition_stamp(result) if result is not None else None

    def show(self, fig, name: str) -> None:
        """Stamp ``fig`` with its edition and sources, draw it once as PNG, stage that file (when the step
        saves figures) and show the same image inline, then close the figure."""
        context = self.stamp_context()
        if context:
            charts.stamp(fig, *context)
        folder = self.step.figure_folder(name)
        saved = charts.save_figure(fig, "", name, folder=folder) if folder is not None else []
        data = saved[0].read_bytes() if saved else charts.render(fig)
        shown = InlinePNG(data, repr(fig))
        plt.close(fig)
        display(shown)

    def write(self, frame: pd.DataFrame, name: str) -> str:
        return "staged " + self.step.write_table(frame, name)

    def label(self, frame: pd.DataFrame, column: str = "framework") -> pd.DataFrame:
        out = frame.copy()
        out[column] = out[column].map(lambda f: self.names.get(f, f))
        return out


class InlinePNG:
    """A saved PNG shown inline at the size the figure has on screen (it is saved at ``savefig.dpi``), with the
    figure's own text (``<Figure size ... with N Axes>``) as its plain-text form, as a figure displays itself."""

    def __init__(self, data: bytes, text: str):
        self.data, self.text = data, text
        self.width = round(int.from_bytes(data[16:20], "big") * plt.rcParams["figure.dpi"] / plt.rcParams["savefig.dpi"])

    def _repr_mimebundle_(self, include=None, exclude=None):
        import base64

        return {"image/png": base64.b64encode(self.data).decode("ascii"), "text/plain": self.text}, {"image/png": {"width": self.width}}

    def __repr__(self) -> str:
        return self.text


def edition_stamp(result) -> tuple[str, str, str]:
    """A chart of one edition: its id, as-of date, and the share of cells by origin in the footer."""
    e = result.edition
    origins = result.criteria if "origin" in result.criteria else None
    return e.id, e.as_of, charts.footer_text(e.id, e.kind, origins)


def comparison_stamp(then, now) -> tuple[str, str, str]:
    """A chart of two editions side by side."""
    a, b = then.edition, now.edition
    return (f"{a.id} (as of {a.as_of}) and {b.id}", b.as_of,
            f"Source: Showdown editions {a.id} and {b.id}, data/processed/{a.id}-vs-{b.id}/.")
