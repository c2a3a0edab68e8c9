"""The scoring step: the one place that reads an edition's raw inputs (snapshots included) and scores them.

    write_products(step, n_tiers=0, criterion_weights=None, category_weights=None) -> (result, tables)

scores ``step.edition`` once and writes every scored product a later step, the then-vs-now, the
re-measurement, the hardware gap or the site needs, each through ``step.write_table(frame, name)``
(which validates it against its schema in :mod:`showdown_lib.core.tables`). Data flows one way: raw ->
observations -> raw values -> scores -> these tables -> notebooks -> site; nothing after this step
opens a snapshot or scores again.

The products (every one is written for every edition, empty with its columns where it does not apply):

* ``inputs``, ``coverage``, ``weights``, ``criteria_scores``, ``category_scores``, ``overall_scores``:
  the scored edition (the overall table carries the ranks, ties shared, that rank stability starts from);
* ``basis_scores``: a criterion the method measures in several ways, scored on each of its bases
  (activity: git, releases and feature_releases);
* ``validity``: the validity check of every measured basis the edition uses (``validity.yaml``);
* ``data_issues``: measured values and cited facts that disagree where the criterion's rule cannot
  settle which one scores (the measurement scores; both are listed);
* ``doubt_revised``: the overall scores and ranks when the review's doubtful values take the value the
  evidence suggests (``review.yaml``);
* ``published_vs_reproduced``, ``published_self_consistency``, ``published_tier_rules``: the post's
  summary figures beside the reproduction (:mod:`showdown_lib.method.published_check`);
* ``fates``: each framework's last release, last commit and lifecycle; ``releases_per_year``: final
  releases per year on the package index; ``probe_observations`` and ``probe_ops``: what the probe saw;
* ``sources``: the provenance of every snapshot the edition uses;
* ``lifecycle``: each framework's status on the edition's date by the one lifecycle rule
  (:mod:`showdown_lib.method.lifecycle`); ``onnx_directions``: the probe's ONNX export and import levels;
  ``sensitivity``: which single inputs, one step up or down, or a criterion on its other basis, move the
  podium or a tier boundary (:mod:`showdown_lib.method.sensitivity`);
* ``series``: a collected edition scored, with the same weights, as of every date on or before its own with a
  package-index snapshot (:mod:`showdown_lib.method.series`; the over-time step draws it).
"""
from __future__ import annotations

import warnings
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..acquire.observations import resolve_snapshots
from ..core import paths
from ..core.fileio import read_csv
from ..core.registry import load_registry, select
from . import published_check, published_review
from .edition_scores import EditionResult, processed_tables, score_edition
from .raw_values import Obs, coverage, data_issues, measure_cell
from .scoring import score_criteria
from .lifecycle import last_final_releases, status_table  # noqa: F401  (last_final_releases: re-exported)
from ..acquire.sources.pypi import is_final, release_of
from ..core.tables import empty, in_order, schema
from .sensitivity import edition_changes
from .series import edition_series
from .validity import for_edition


def write_products(step, n_tiers: int = 0, criterion_weights: Mapping[str, float] | None = None,
                   category_weights: Mapping[str, float] | None = None,
                   cast: list[str] | None = None) -> tuple[EditionResult, dict[str, pd.DataFrame]]:
    """Score ``step.edition`` with the weights and write every product through ``step.write_table``
    (``cast``, a shortlist, was applied when the step was opened: every edition loaded speaks of it).

    ``step`` is an open step (:func:`showdown_lib.pipeline.step_context.open_step`) or anything with an
    ``edition`` and a ``write_table(frame, name)``. Returns the scored edition and the tables written.
    """
    result = score_edition(step.edition, criterion_weights or None, category_weights or None, n_tiers or None)
    tables = products(result, criterion_weights, category_weights)
    for name, frame in tables.items():
        step.write_table(frame, name)
    return result, tables


def products(result: EditionResult, criterion_weights: Mapping[str, float] | None = None,
             category_weights: Mapping[str, float] | None = None) -> dict[str, pd.DataFrame]:
    """Every product of a scored edition, by table name (see the module docstring); the weights are the
    run's, for the series."""
    edition = result.edition
    collected = edition.kind == "collected"
    snaps = resolve_snapshots(edition) if collected else {}
    obs = Obs.of(result.scored_from) if collected else None
    summary = published_summary(result)
    releases = _snapshot_table("pypi", snaps.get("pypi"), "releases.csv")
    life = status_table(select(load_registry(), edition.cast), edition.as_of, releases)
    probe = probe_tables(snaps.get("ops_probe"))
    tables = {
        "inputs": in_order(result.raw, "inputs"), "coverage": coverage(result), "weights": weights_table(result), **processed_tables(result),
        "basis_scores": basis_scores(result, obs) if collected else empty("basis_scores"),
        "validity": for_edition(result) if collected else empty("validity"),
        "data_issues": data_issues(result),
        "doubt_revised": doubt_revised(result),
        **summary,
        "fates": fates(result, obs, life) if collected else empty("fates"),
        "releases_per_year": releases_per_year(result, snaps.get("pypi")),
        **probe,
        **modern_tables(snaps.get("index_reach"), snaps.get("modern_probe")),
        "sources": source_records(result, snaps),
        "lifecycle": life,
        "onnx_directions": onnx_directions(edition.cast, probe["probe_observations"]),
        "sensitivity": edition_changes(result),
        "series": edition_series(edition.id, criterion_weights=criterion_weights, category_weights=category_weights)
        if collected else empty("series"),
    }
    if edition.cast != edition.declared_cast:  # a shortlist (-p cast=[...]): every table speaks of it only
        tables = {name: frame[frame["framework"].isin(edition.cast)].reset_index(drop=True) if "framework" in frame else frame
                  for name, frame in tables.items()}
    return tables


def weights_table(result: EditionResult) -> pd.DataFrame:
    """The weights in use, one row per category and criterion (relative; an id not named weighs 1)."""
    w = result.weights
    return pd.DataFrame([{"kind": kind, "id": k, "weight": v} for kind in ("category", "criterion") for k, v in w[kind].items()],
                        columns=["kind", "id", "weight"])


# -------------------------------------------------------------------------------- bases
def basis_scores(result: EditionResult, obs: Obs | None = None) -> pd.DataFrame:
    """Each criterion the edition measures that has several bases, scored on each of them (relative to
    the best of the cast on the same basis). Cells set by a framework's lifecycle record (archived or merged by the
    date, or read from its cited latest release outside the package index) are marked ``lifecycle``: they are not a
    measurement of the basis."""
    method, edition = result.method, result.edition
    frameworks = result.scored_from.frameworks
    obs = obs if obs is not None else Obs.of(result.scored_from)
    measured = set(edition.inputs.get("measure", []) or method.criterion_ids)
    frames = []
    for crit in method.criteria:
        if not crit.has_bases or crit.id not in measured:
            continue
        for basis in crit.bases:
            raw = pd.DataFrame([{"framework": fw.id, "criterion": crit.id, **measure_cell(obs, fw, crit, basis)} for fw in frameworks])
            scored = score_criteria(raw, method)
            frames.append(pd.DataFrame({
                "framework": scored["framework"], "criterion": crit.id, "basis": basis, "score": scored["score"],
                "raw_value": scored["raw_value"],
                # not a measurement of the basis: set by the lifecycle (archived, merged) or read from its cited release
                "lifecycle": scored["source"].astype(str).str.startswith("lifecycle:") | scored["framework"].map(
                    raw.set_index("framework")["origin"]).eq("curated").to_numpy(),
                "source": scored["source"], "reason": scored["framework"].map(raw.set_index("framework")["note"]).fillna("")}))
    return pd.concat(frames, ignore_index=True) if frames else empty("basis_scores")


# -------------------------------------------------------------------------------- the published review
def doubt_revised(result: EditionResult) -> pd.DataFrame:
    """Overall score and rank as published and with the doubtful values revised (no doubts: empty)."""
    data = published_review.load_review(result)
    alt = {(d["framework"], d["criterion"]): float(d["suggested"]) for d in data.get("doubts", []) if d.get("suggested") is not None}
    if not alt:
        return empty("doubt_revised")
    return published_review.doubt_impact(result, alt)


def published_summary(result: EditionResult) -> dict[str, pd.DataFrame]:
    """The post's summary figures beside the reproduction, where the edition has them."""
    names = ("published_vs_reproduced", "published_self_consistency", "published_tier_rules")
    if not isinstance(result.edition.inputs.get("published_summary"), dict):
        return {n: empty(n) for n in names}
    summary = published_check.load_summary(result.edition.id)
    check = published_check.published_vs_reproduced(summary, result.categories, result.overall)
    return dict(zip(names, (check, published_check.self_consistency(summary), published_check.tier_rule_comparison(summary))))


# -------------------------------------------------------------------------------- releases and fates
def _snapshot_table(source: str, snap: str | None, name: str) -> pd.DataFrame | None:
    """A table of a snapshot the edition resolves (checked when the edition's inputs were read: :func:`~showdown_lib.acquire.edition_inputs.read_inputs`)."""
    path = paths.snapshots_dir(source) / snap / name if snap else None
    return read_csv(path) if path is not None and path.exists() else None


def fates(result: EditionResult, obs: Obs | None = None, life: pd.DataFrame | None = None) -> pd.DataFrame:
    """What became of each framework, from the data: last final release, last commit, lifecycle status
    (``life``: the edition's lifecycle table, by the one rule; computed when not given)."""
    edition = result.edition
    obs = obs if obs is not None else Obs.of(result.scored_from)
    repos = _snapshot_table("git", obs.snapshots.get("git"), "repositories.csv")
    releases = _snapshot_table("pypi", obs.snapshots.get("pypi"), "releases.csv")
    last = last_final_releases(releases, edition.as_of).set_index("framework") if releases is not None else pd.DataFrame()
    if life is None:
        life = status_table(select(load_registry(), edition.cast), edition.as_of, releases)
    life = life.set_index("framework")
    rows = []
    for fw in edition.cast:
        def value(source, metric):
            return obs.get(source, fw, metric)[0]

        status = life.loc[fw, "status"] if fw in life.index else None
        archived = value("github", "archived")
        last_commit = value("git", "last_commit_date")
        through = ""
        if last_commit is None and repos is not None:
            # the local copy stops before the edition's date: say what it saw, and until when
            hit = repos[repos["framework"] == fw].dropna(subset=["last_commit_date"])
            if len(hit):
                last_commit = str(hit["last_commit_date"].max())
                through = f"copy of the history reaches {hit['history_through'].max()}"
        got = (lambda col: last.loc[fw, col] if fw in last.index else "")  # noqa: E731
        elsewhere = ("" if fw in last.index or fw not in life.index or not life.loc[fw, "last_release"]
                     else f"{life.loc[fw, 'last_release']} on {life.loc[fw, 'last_release_date']} ({life.loc[fw, 'release_source']})")
        rows.append({
            "framework": fw,
            "status": status if status is not None else ("archived" if str(archived) in ("1", "1.0") else "unknown"),
            "status_date": life.loc[fw, "since"] if status is not None else "",
            "last_release": got("last_release"), "last_release_date": got("last_release_date"),
            "newest_release": got("newest_release"), "newest_release_date": got("newest_release_date"),
            "release_elsewhere": elsewhere,  # a project that releases elsewhere (Maven, GitHub releases): its cited latest
            "last_commit": last_commit or "", "first_commit": value("git", "first_commit_date") or "", "git_note": through,
        })
    return pd.DataFrame(rows, columns=empty("fates").columns)


def onnx_directions(cast, probe_observations: pd.DataFrame, official: Mapping[str, Mapping[str, bool]] | None = None) -> pd.DataFrame:
    """Per framework of the cast, the probe's ONNX export and import levels (0-2; NaN where the probe did not
    measure them), with the probe's detail: the facts an advice "deploy through ONNX in X" relies on.

    A direction that worked is levelled by the converter rule of probe_checks.yaml (``official``: framework ->
    {"export": bool, "import": bool}), as the ONNX score is: 2 through the framework's own path, 1 through a
    third-party converter (Keras's export drives jax2onnx: 1, as its score says)."""
    from ..acquire.probe.observe import direction_level

    obs = (probe_observations.drop_duplicates(["framework", "metric"], keep="last").set_index(["framework", "metric"])
           if len(probe_observations) else None)
    if obs is not None and official is None:
        from ..acquire.measured_bases import probe_officials
        from ..acquire.probe.checks_spec import load_checks_spec

        official = probe_officials(load_checks_spec())
    rows = []
    for fw in cast:
        row = {"framework": fw}
        for way in ("export", "import"):
            hit = obs.loc[(fw, f"onnx_{way}")] if obs is not None and (fw, f"onnx_{way}") in obs.index else None
            value = hit["value"] if hit is not None else None
            ok = value is not None and pd.notna(value) and str(value) != ""
            row[way] = float(direction_level(float(value) > 0, (official or {}).get(fw, {}).get(way, False))) if ok else np.nan
            detail = "" if hit is None else str(hit["detail"] if pd.notna(hit["detail"]) and hit["detail"] != ""
                                                else (hit["reason"] if pd.notna(hit["reason"]) else ""))
            if ok and float(value) != row[way]:
                detail += f" (level {int(row[way])} by the converter rule of probe_checks.yaml: a third-party converter)"
            row[f"{way}_detail"] = detail
        rows.append(row)
    return pd.DataFrame(rows, columns=empty("onnx_directions").columns)


def releases_per_year(result: EditionResult, snap: str | None) -> pd.DataFrame:
    """Final releases per year on the package index over the edition's cast (no snapshot: empty).

    Pre-releases, development and nightly builds are left out; a version shipped as several packages,
    and a post-release or local version of a release, count once (in the year the release first appeared).
    """
    rel = _snapshot_table("pypi", snap, "releases.csv")
    if rel is None:
        return empty("releases_per_year")
    rel = rel[rel["framework"].isin(result.edition.cast)].copy()
    if "yanked" in rel:
        rel = rel[~rel["yanked"].astype(str).str.lower().isin(["true", "1"])]
    rel["release"] = rel["version"].astype(str).map(release_of)
    rel = rel[rel["release"].map(is_final)]
    rel["year"] = pd.to_datetime(rel["upload_time"], utc=True, format="mixed").dt.year
    # one release per framework: jax and jaxlib ship one version number, a post-release re-ships its release
    rel = rel.sort_values("upload_time").drop_duplicates(["framework", "release"])
    return rel.groupby("year").agg(releases=("version", "size"), frameworks_releasing=("framework", "nunique")).reset_index()


# -------------------------------------------------------------------------------- probe and provenance
def modern_tables(index_snap: str | None, probe_snap: str | None) -> dict[str, pd.DataFrame]:
    """Round four's evidence, as the Modern stack step shows it: accelerators and model libraries per framework
    (index_reach) and the modern probe's observations and deployment formats (modern_probe)."""
    from ..acquire.snapshots import read_snapshot

    out = {name: empty(name) for name in ("modern_accelerators", "modern_model_hub", "modern_probe_observations", "modern_deployment")}
    if index_snap:
        read_snapshot("index_reach", index_snap)  # checked (checksums, rows) before its tables are used
        from ..acquire.measured_bases import accelerators_as_scored

        # as the score counts them: a front end's accelerator reached only through another backend is marked so
        out["modern_accelerators"] = accelerators_as_scored(_snapshot_table("index_reach", index_snap, "accelerators.csv"), load_registry())
        out["modern_model_hub"] = _snapshot_table("index_reach", index_snap, "model_hub.csv")
    if probe_snap:
        obs, _prov = read_snapshot("modern_probe", probe_snap)
        out["modern_probe_observations"] = obs.assign(value=pd.to_numeric(obs["value"], errors="coerce"), snapshot=probe_snap)
        out["modern_deployment"] = _snapshot_table("modern_probe", probe_snap, "deployment.csv")
    return out


def probe_tables(snap: str | None) -> dict[str, pd.DataFrame]:
    """The probe snapshot's observations and per-op points, as the round-two notebook shows them."""
    if snap is None:
        return {"probe_observations": empty("probe_observations"), "probe_ops": empty("probe_ops")}
    from ..acquire.snapshots import read_snapshot

    obs, _prov = read_snapshot("ops_probe", snap)
    ops = _snapshot_table("ops_probe", snap, "ops.csv")
    return {"probe_observations": obs.assign(snapshot=snap), "probe_ops": ops[["framework", "op", "points"]]}


def source_records(result: EditionResult, snaps: Mapping[str, Any]) -> pd.DataFrame:
    """One row per source of the edition's inputs: its snapshot and provenance, or why there is none."""
    from ..acquire.snapshots import read_provenance, resolve_edition_snapshots

    edition = result.edition
    rows = []
    for source, snap in snaps.items():
        spec = edition.inputs.get(source)
        if spec is None:
            continue
        with warnings.catch_warnings():  # issued once already, when the edition's snapshots were resolved
            warnings.simplefilter("ignore")
            note = " ".join(resolve_edition_snapshots(edition, [source])[1])  # older than the edition, or none for a dated one
        if snap is None:
            reason = spec.get("unavailable") if isinstance(spec, dict) else None
            rows.append({"source": source, "snapshot": "", "note": note, "reason": reason or "no snapshot on or before the edition's date"})
            continue
        p = read_provenance(paths.snapshots_dir(source) / snap, source, snap)
        rows.append({"source": source, "snapshot": snap, "as_of": p.get("as_of"), "retrieved": p.get("retrieved_at"),
                     "collector": str(p.get("collector_version", "")), "values": p.get("n_ok"), "missing": p.get("n_missing"),
                     "method": p.get("method"), "endpoint": p.get("endpoint_template", p.get("endpoint", "")), "note": note, "reason": ""})
    return pd.DataFrame(rows, columns=[c.name for c in schema("sources").columns]) if rows else empty("sources")
