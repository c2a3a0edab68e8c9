"""A new collection judged against the stored snapshots before it may replace one.

A collector can answer "ok" with worse data: an index that serves one release per project still gives a
value for every metric. So a new :class:`~showdown_lib.acquire.sources.base.SourceResult` is compared, value by
value and table by table, with

* the stored snapshot of the **same date** (the one it would replace): every value it had must still be
  a value, every row of its tables (by the table's key, :data:`~showdown_lib.acquire.sources.tables.TABLE_RULES`)
  must still be there, and a count may not fall to less than half of what it was (a same-day
  re-collection differs by little);
* the newest stored snapshot of an **earlier date**: a history never shrinks for the dates it already
  covers (a release uploaded by that date is still listed), and a cumulative metric
  (:attr:`MetricRule.cumulative <showdown_lib.acquire.sources.base.MetricRule>`: release counts, commit totals,
  first dates) does not fall (or, for a first date, move later).

:func:`problems` lists what would be lost or is implausible, one line per kind with examples; the
collect command refuses to write unless ``--accept-partial`` is given.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from ..snapshots import read_snapshot, snapshot_dates, snapshot_path
from .base import SourceResult, metric_rule
from .tables import TABLE_RULES

#: A same-day re-collection whose count falls below this share of the stored one is implausible.
PLAUSIBLE_SHARE = 0.5


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _listing(items: list[str], limit: int = 6) -> str:
    shown = "; ".join(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


def _per_framework(keys: list[tuple[str, ...]]) -> str:
    counts = Counter(k[0] for k in keys)
    return ", ".join(f"{fw} {n}" for fw, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def values_lost(result: SourceResult, old) -> list[str]:
    """``framework/metric (reason)`` for every value of ``old`` (a stored observations frame) the result lacks."""
    new = {(o.framework, o.metric): o for o in result.observations}
    lost = []
    had = old[old["status"] == "ok"]
    for fw, metric in zip(had["framework"], had["metric"]):
        o = new.get((fw, metric))
        if o is None:
            lost.append(f"{fw}/{metric} (not collected)")
        elif o.status != "ok":
            lost.append(f"{fw}/{metric} ({o.reason})")
    return lost


def _number(value: Any) -> float | None:
    try:
        number = float(_text(value))
    except ValueError:
        return None
    return number if number == number else None


def falls(result: SourceResult, old, same_day: bool) -> list[str]:
    """Cumulative values that fall (or first dates that move later) against ``old``; on the same day,
    also counts that fall below :data:`PLAUSIBLE_SHARE` of the stored value."""
    new = {(o.framework, o.metric): o.value for o in result.observations if o.status == "ok"}
    out = []
    had = old[old["status"] == "ok"]
    for fw, metric, before in zip(had["framework"], had["metric"], had["value"]):
        rule = metric_rule(metric)
        now = new.get((fw, metric))
        if rule is None or now is None:
            continue
        if rule.kind == "date" and rule.cumulative:
            if _text(now) > _text(before):
                out.append(f"{fw}/{metric} {before} -> {now} (a first date never moves later)")
            continue
        if rule.kind != "count":
            continue
        a, b = _number(before), _number(now)
        if a is None or b is None:
            continue
        if rule.cumulative and b < a:
            out.append(f"{fw}/{metric} {a:g} -> {b:g} (a count that never falls)")
        elif same_day and a >= 4 and b < PLAUSIBLE_SHARE * a:
            out.append(f"{fw}/{metric} {a:g} -> {b:g} (less than {PLAUSIBLE_SHARE:.0%} of the value stored for the same day)")
    return out


def _keys(rows: list[dict[str, Any]], key: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {tuple(_text(r.get(k)) for k in key) for r in rows}


def rows_lost(result: SourceResult, folder, as_of: str, same_day: bool) -> list[str]:
    """Rows of the stored tables (same day: all; earlier day: history rows dated by then) the result lacks."""
    import pandas as pd

    out = []
    covered = {o.framework for o in result.observations}
    for (source, name), rule in TABLE_RULES.items():
        path = folder / f"{name}.csv"
        if source != result.source or not path.exists():
            continue
        if not same_day and rule.history is None:
            continue
        old = pd.read_csv(path, dtype=str, keep_default_na=False)
        if any(k not in old for k in rule.key):
            continue
        old = old[old["framework"].isin(covered)] if "framework" in old else old
        if not same_day:
            times = pd.to_datetime(old[rule.history].replace("", None), utc=True, format="mixed", errors="coerce")
            end = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
            old = old[times.notna() & (times < end)]
        gone = sorted(_keys(old.to_dict("records"), rule.key) - _keys(result.tables.get(name, []), rule.key))
        if gone:
            what = f"{name}.csv rows" if same_day else f"{name}.csv rows dated on or before {as_of} (a history never shrinks)"
            out.append(f"{len(gone)} of the {len(old)} {what} are gone ({_per_framework(gone)}; e.g. {'/'.join(gone[0])})")
    return out


def _summary(items: list[str], day: str) -> list[str]:
    return [f"{len(items)} value{'s' if len(items) != 1 else ''} implausible against {day}: {_listing(items, 4)}"] if items else []


def problems(result: SourceResult) -> tuple[list[str], str]:
    """(what the result would lose or make implausible, what it was compared with).

    An existing snapshot that cannot be read is a :class:`~showdown_lib.core.errors.DataError`.
    """
    found: list[str] = []
    against: list[str] = []
    day = str(result.as_of)
    if snapshot_path(result.source, day).is_dir():
        old, _ = read_snapshot(result.source, day)
        lost = values_lost(result, old)
        if lost:
            found.append(f"{len(lost)} of the {int((old['status'] == 'ok').sum())} values become missing: {_listing(lost)}")
        found += rows_lost(result, snapshot_path(result.source, day), day, True)
        found += _summary(falls(result, old, True), day)
        against.append(f"the stored snapshot of {day}")
    earlier = [d for d in snapshot_dates(result.source) if d < day]
    if earlier:
        before = earlier[-1]
        old, _ = read_snapshot(result.source, before)
        found += rows_lost(result, snapshot_path(result.source, before), before, False)
        found += _summary(falls(result, old, False), before)
        against.append(f"the earlier snapshot of {before}")
    return found, " and ".join(against)
