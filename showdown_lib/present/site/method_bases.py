"""The Method page's per-edition part: the bases each collected edition declares, their validity, and
where measured values and cited facts were reconciled.

Everything here is read from the method table (``criteria.yaml``), the edition's declared bases and
the tables its scoring step (``score``) wrote (``validity.csv``, ``data_issues.csv``, ``inputs.csv``), so
the page says what each edition actually did.
"""
from __future__ import annotations

import pandas as pd

from ...acquire.editions import load_edition
from ...core import paths
from ...core.methodology import Methodology
from ...pipeline.steps import load_steps


def collected_editions() -> list[str]:
    return [e for e in load_steps().editions if load_edition(e).kind == "collected"]


def _read(edition: str, name: str) -> pd.DataFrame | None:
    path = paths.processed_dir(edition) / f"{name}.csv"
    return pd.read_csv(path, keep_default_na=False) if path.exists() else None


def declared_bases(edition: str) -> dict[str, str]:
    """criterion -> the basis the edition measured it on, from the inputs its scoring step wrote."""
    inputs = _read(edition, "inputs")
    if inputs is None or "basis" not in inputs:
        return {}
    rows = inputs[inputs["basis"].fillna("") != ""]
    return dict(zip(rows["criterion"], rows["basis"]))


def measured_rules(method: Methodology, bases: dict[str, str], measured: list[str]) -> pd.DataFrame:
    """The rule of every criterion the edition measures, on the basis it declares."""
    table = method.table(bases)
    table = table[table["id"].isin(measured)]
    table = table.assign(basis=table["id"].map(lambda c: bases.get(c, "")))
    return table[["criterion", "basis", "rule", "measured vs cited"]].reset_index(drop=True)


def edition_section(edition: str, method: Methodology, names: dict[str, str]) -> list[tuple[str, object]]:
    """(kind, content) items for one edition: ``md`` text or a ``table`` frame."""
    e = load_edition(edition)
    bases = declared_bases(edition)
    measured = list(e.inputs.get("measure", []) or method.criterion_ids)
    declared = ", ".join(f"{method.criterion(c).name} on the **{b}** basis" for c, b in bases.items() if c in measured)
    items: list[tuple[str, object]] = [
        ("md", f"### Edition `{edition}` (as of {e.as_of})\n\nIt measures {len(measured)} of the {len(method.criteria)} criteria"
               + (f"; where the method offers several bases it declares {declared}" if declared else "")
               + ". The rules below are the ones this edition applied:"),
        ("table", measured_rules(method, bases, measured)),
    ]
    validity = _read(edition, "validity")
    if validity is not None and len(validity):
        items += [("md", "Is each measured basis valid? Each is checked against an independent reference "
                         "(`data/raw/validity.yaml`; the agreement is computed from the committed data on every run):"),
                  ("table", validity)]
    inputs = _read(edition, "inputs")
    if inputs is not None and "chosen" in inputs:
        both = inputs[(inputs["measured_value"] != "") & (inputs["curated_value"] != "")]
        both = both[both["measured_value"].astype(float) != both["curated_value"].astype(float)]
        if len(both):
            rules = {c.id: c.reconcile.get("why", "") for c in method.criteria}
            shown = both.assign(framework=both["framework"].map(lambda f: names.get(f, f)), rule=both["criterion"].map(rules))
            items += [("md", "Where a measurement and a cited fact disagree, both values and the rule that chose one:"),
                      ("table", shown[["framework", "criterion", "measured_value", "curated_value", "chosen", "data_issue", "rule"]])]
    issues = _read(edition, "data_issues")
    if issues is not None:
        text = ("No disagreement is left unsettled." if not len(issues) else
                f"{len(issues)} disagreement{'s' if len(issues) != 1 else ''} the rule cannot settle "
                "(the measurement scores; listed in `data_issues.csv`):")
        items.append(("md", text))
        if len(issues):
            items.append(("table", issues.assign(framework=issues["framework"].map(lambda f: names.get(f, f)))
                          [["framework", "criterion", "measured_value", "curated_value", "issue"]]))
    return items
