"""What a probe snapshot says, framework by framework, for notebooks and the README.

A framework can be *measured* (attempted and the checks ran), *attempted but failed* (pip or the
import failed: the error is the reason) or *not attempted* (with why). Notebooks must not count the
last two as measured or sum their missing points to 0: :func:`probe_status` keeps the three apart
(the sentence is :func:`showdown_lib.present.narrative.probe_summary`).
"""
from __future__ import annotations

import pandas as pd

from ..snapshots import read_snapshot
from .observe import CHECK_METRICS

STATUS_METRICS = ("framework_version", "ootb_ops", *CHECK_METRICS)


def probe_status(observations: pd.DataFrame) -> pd.DataFrame:
    """One row per framework: ``status`` (measured / failed / not attempted), ``why`` and each metric's value (NaN when missing)."""
    obs = observations.copy()
    rows = []
    for fw, g in obs.groupby("framework", sort=False):
        by = g.set_index("metric")
        row: dict = {"framework": fw}
        att = by.loc["attempted"] if "attempted" in by.index else None
        ootb = by.loc["ootb_ops"] if "ootb_ops" in by.index else None
        if att is not None and str(att["value"]) in ("0", "0.0"):
            row["status"], row["why"] = "not attempted", str(att["detail"]).removeprefix("not attempted: ")
        elif ootb is not None and ootb["status"] == "missing":
            reason = str(ootb["reason"])
            # snapshots written before the attempted metric existed say "not attempted: ..." in the reason
            row["status"] = "not attempted" if reason.startswith("not attempted") else "failed"
            row["why"] = reason.removeprefix("not attempted: ")
        else:
            row["status"], row["why"] = "measured", ""
        for m in STATUS_METRICS:
            row[m] = by.loc[m, "value"] if m in by.index and by.loc[m, "status"] == "ok" else None
        rows.append(row)
    out = pd.DataFrame(rows).set_index("framework")
    for m in STATUS_METRICS:
        if m != "framework_version":
            out[m] = pd.to_numeric(out[m], errors="coerce")
    return out


def read_status(as_of: str, root=None) -> pd.DataFrame:
    """:func:`probe_status` of the committed ``ops_probe`` snapshot of that date."""
    obs, _ = read_snapshot("ops_probe", as_of, root)
    return probe_status(obs)
