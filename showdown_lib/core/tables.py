"""Every processed table, declared once: its columns, their types and units, and what it holds.

The registry below is the one statement of the processed data. It

* validates a table when a step writes it (:func:`validate`: the columns, in order, and their types;
  an error names the table, the column and the rule, before anything is written);
* is written beside each CSV as ``<table>.schema.json``, a Frictionless Table Schema
  (https://specs.frictionlessdata.io/table-schema/) a reader of ``data/processed`` can open, and a tool
  such as ``frictionless validate`` can check;
* is the data dictionary of the site's data page (:func:`dictionary`).

A column is ``required`` (always there) or optional (some editions only: a published edition's inputs
have no measured values). A table may also take *one column per* criterion id or per rank
(``per``): the ``contributions`` and ``rank_probability`` tables.

Chosen over a schema library (pandera, frictionless) because the check is a dozen lines over the
column names and pandas dtypes, and either library would bring a dependency tree larger than the
pipeline's for it; the JSON written follows the Frictionless specification so their tools read it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd

from .errors import DataError

TYPES = ("string", "number", "integer", "boolean", "date")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    unit: str = ""
    required: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    per: str = ""  # "criterion" or "rank": one more column per criterion id or per rank, after the columns
    per_column: Column | None = None

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return self.per_column if self.per and _per_name(self.per, name) else None


def _per_name(per: str, name: str) -> bool:
    return bool(re.fullmatch(r"[1-9][0-9]*", name)) if per == "rank" else bool(re.fullmatch(r"[a-z][a-z0-9_]*", name))


def C(name: str, type: str, description: str, unit: str = "", required: bool = True) -> Column:  # noqa: N802
    return Column(name, type, description, unit, required)


FW = C("framework", "string", "registry id of the framework (data/raw/frameworks.yaml)")
CRIT = C("criterion", "string", "criterion id (data/raw/criteria.yaml)")
SCORE = C("score", "number", "the normalised score; empty when not available", "points, 0-100")
TIER = C("tier", "integer", "tier, 1 is best, cut at the largest gaps between consecutive scores; empty without a score")
SOURCE = C("source", "string", "where the value came from: a figure of the post, a snapshot, or a citation URL")
REASON = C("reason", "string", "why a value is missing, or what else a reader should know about it")
_CRITERIA = (FW, C("round", "string", "the category the criterion belongs to: support_community, api_internals, platform or modern_stack (today's edition)"), CRIT,
             C("raw_value", "number", "the input before scoring: a level on the criterion's scale, or a measured quantity",
               "the criterion's own unit (see the method)"),
             SCORE, C("status", "string", "value, or not_available (left out of the category mean)"), SOURCE,
             C("origin", "string", "how the value was obtained: measured, curated, published or not_available"),
             C("basis", "string", "for a criterion measured in several ways, the one this edition used; empty otherwise"),
             C("note", "string", "anything a reader should know about this value (kept from another edition, a doubt)"))


def _t(name: str, description: str, *columns: Column, per: str = "", per_column: Column | None = None) -> Table:
    return Table(name, description, tuple(columns), per, per_column)


def _observations(value: Column, snapshot: str) -> tuple[Column, ...]:
    """The columns of a probe suite's observations, copied from its snapshot: they differ in the value's type."""
    return (FW, C("metric", "string", "the metric"), value, C("unit", "string", "its unit"),
            C("as_of", "date", "the snapshot's date"), SOURCE, C("detail", "string", "what was run"),
            C("status", "string", "ok or missing"), REASON, C("snapshot", "string", snapshot))


_TABLES = [
    _t("inputs", "The scorer's input table: one row per framework and criterion, the raw value or published score and where it came from",
       FW, CRIT, C("raw_value", "number", "the raw value the criterion scores", "the criterion's own unit", False),
       C("published_score", "number", "the score the post published, where the edition takes published figures", "points, 0-100", False),
       C("origin", "string", "collected, probed, curated, published or missing", required=False),
       C("basis", "string", "the basis a multi-basis criterion was measured on", required=False), SOURCE,
       C("note", "string", "why a value is missing, or a remark on it"),
       C("as_of", "date", "the date the value stands for", required=False),
       C("measured_value", "number", "the measured value, where a curated fact exists too", "the criterion's own unit", False),
       C("curated_value", "number", "the curated value, where a measurement exists too", "the criterion's own unit", False),
       C("citation", "string", "the curated value's citation", required=False),
       C("measurement", "string", "the measurement's source", required=False),
       C("chosen", "string", "where both exist, which one scores: measured or curated (the criterion's reconcile rule)", required=False),
       C("data_issue", "boolean", "true where the rule cannot settle a disagreement (listed in data_issues)", required=False),
       C("measured_input", "string", "the measured observations the value reads (source:metric, separated by ;)", required=False)),
    _t("coverage", "Where each input comes from: one row per framework and criterion",
       FW, CRIT, C("origin", "string", "published, collected, probed, curated or missing"),
       C("as_of", "date", "the date the value stands for; empty when missing"), SOURCE, REASON),
    _t("weights", "The weights the edition was scored with (relative; an id not named weighs 1)",
       C("kind", "string", "category or criterion"), C("id", "string", "the round or criterion id"),
       C("weight", "number", "relative weight", "relative")),
    _t("criteria_scores", "Every framework x criterion score of the edition, with its origin and basis", *_CRITERIA),
    _t("category_scores", "The weighted mean of each framework's available criteria of each round, with tiers per round",
       FW, C("category", "string", "support_community, api_internals, platform or modern_stack (today's edition)"), SCORE,
       C("n_criteria", "integer", "how many criteria of the category are available for the framework (the mean is over these)", "count"),
       TIER),
    _t("overall_scores", "The weighted mean of the category scores, the rank (ties share the better rank) and the tier",
       FW, SCORE, C("rank", "integer", "overall rank, 1 is best; tied scores (equal to 6 decimals) share the better rank"), TIER),
    _t("basis_scores", "A criterion measured in several ways, scored on each of its bases (relative to the best of the cast on that basis)",
       FW, CRIT, C("basis", "string", "the basis id (data/raw/criteria.yaml)"), SCORE,
       C("raw_value", "number", "the raw value on this basis", "the basis's own unit"),
       C("lifecycle", "boolean", "true where the framework's lifecycle record sets the value (archived or merged, or its cited latest release outside the package index), not a measurement of the basis"), SOURCE, REASON),
    _t("validity", "The validity check of every measured basis the edition uses (data/raw/validity.yaml), computed",
       CRIT, C("basis", "string", "the basis id (data/raw/criteria.yaml)"), C("stands for", "string", "what the basis stands for"),
       C("reference", "string", "what the basis is checked against"), C("agreement", "string", "the check's result, in words"),
       C("agrees", "boolean", "true where the check passes its threshold"),
       C("disagreements", "string", "the named frameworks the basis places otherwise, and why"),
       C("decision", "string", "how the basis is used: default, or another use"), C("reason", "string", "why that decision")),
    _t("data_issues", "Measured values and cited facts that disagree where the criterion's rule cannot settle which one scores",
       FW, CRIT, C("measured_value", "number", "the measured value", "the criterion's own unit"),
       C("curated_value", "number", "the cited fact's value", "the criterion's own unit"),
       C("scored", "number", "the value that scores (the measurement)", "the criterion's own unit"),
       C("issue", "string", "why the rule cannot settle it (data/raw/criteria.yaml)"),
       C("citation", "string", "the cited fact's citation"), C("measurement", "string", "the measurement's source")),
    _t("doubt_revised", "Overall scores and ranks as published and with the review's doubtful values revised",
       FW, C("score_published", "number", "overall score as published", "points, 0-100"),
       C("rank_published", "integer", "overall rank as published"),
       C("score_revised", "number", "overall score with the suggested values", "points, 0-100"),
       C("rank_revised", "integer", "overall rank with the suggested values")),
    _t("published_vs_reproduced", "The post's summary figures beside the reproduced category and overall scores",
       FW, C("category", "string", "a round id, or overall"),
       C("published_score", "number", "read off the post's summary figure", "points, 0-100"),
       C("published_tier", "integer", "the figure's tier; empty when it leaves the framework below the last tier"),
       C("reproduced_score", "number", "our score from the published criteria", "points, 0-100"),
       C("reproduced_tier", "integer", "our tier"), C("difference", "number", "reproduced minus published", "points"),
       C("tier_agrees", "boolean", "the two tiers agree")),
    _t("published_self_consistency", "The post's overall figure against the mean of its own category figures",
       FW, C("published_overall", "number", "the post's overall figure", "points, 0-100"),
       C("mean_of_categories", "number", "the mean of its three category figures", "points, 0-100"),
       C("difference", "number", "overall minus the mean", "points"),
       C("disagrees", "boolean", "more than the reading error apart")),
    _t("published_tier_rules", "Tier rules applied to the post's summary scores, against the post's tiers",
       C("rule", "string", "the tier rule"), C("figure", "string", "the summary figure (a round, overall, or all)"),
       C("exact", "integer", "frameworks put in the post's tier", "count"), C("n", "integer", "frameworks on the figure", "count"),
       C("pair_agreement", "number", "share of framework pairs both groupings put together or apart", "share, 0-1")),
    _t("fates", "What became of each framework: last final release, last commit and lifecycle, as of the edition's date",
       FW, C("status", "string", "active, maintenance, dormant, archived, merged (the lifecycle rule) or unknown"),
       C("status_date", "date", "since when, for a framework that is not active"),
       C("last_release", "string", "the most recent final release (PEP 440)"), C("last_release_date", "date", "its first upload"),
       C("newest_release", "string", "the highest final version"), C("newest_release_date", "date", "its first upload"),
       C("release_elsewhere", "string", "for a project without a release on the package index: its cited latest release and where"),
       C("last_commit", "date", "the last commit on the default branch by the date"), C("first_commit", "date", "the first commit"),
       C("git_note", "string", "where the local copy of the history stops short")),
    _t("releases_per_year", "Final releases per year on the package index over the edition's cast",
       C("year", "integer", "calendar year"), C("releases", "integer", "final releases that year", "count"),
       C("frameworks_releasing", "integer", "frameworks with at least one", "count")),
    _t("probe_observations", "What the probe observed per framework and metric (its snapshot's observations)",
       *_observations(C("value", "string", "the observed value; empty when missing"), "the probe snapshot (its date)")),
    _t("probe_ops", "Points per op of the 32-op sample per framework, as the probe measured them",
       FW, C("op", "string", "op id (data/raw/ootb_ops.yaml)"),
       C("points", "number", "1 a public API that ran, 0.5 composed from public ops, 0 absent; empty when not probed", "points, 0-1")),
    _t("sources", "The snapshots an edition reads, with their provenance, or why a source has none",
       C("source", "string", "the collector"), C("snapshot", "string", "the snapshot's date folder; empty without one"),
       C("as_of", "date", "the date it stands for", required=False), C("retrieved", "string", "when it was collected (UTC)", required=False),
       C("collector", "string", "collector version", required=False), C("values", "integer", "values collected", "count", False),
       C("missing", "integer", "values missing", "count", False), C("method", "string", "how it was collected", required=False),
       C("endpoint", "string", "the endpoint template (no host)", required=False),
       C("note", "string", "what a reader should know: the snapshot is older than the edition's date, or a dated edition has none",
         required=False), REASON),
    _t("lifecycle", "Each framework's status on the edition's date by the one lifecycle rule (data/raw/frameworks.yaml)",
       FW, C("status", "string", "active, maintenance, dormant, archived or merged"),
       C("since", "date", "the date the status began; empty when active"),
       C("into", "string", "for a merged project, the project it merged into"),
       C("last_release", "string", "the latest release by the date (package index, or cited outside it)"),
       C("last_release_date", "date", "its date"), C("release_source", "string", "where that release was published"),
       C("basis", "string", "cited, or the rule that made the framework dormant"), C("citation", "string", "the cited status's URL")),
    _t("onnx_directions", "The probe's ONNX export and import levels per framework: the facts the ONNX advice relies on",
       FW, C("export", "number", "ONNX export level; empty where the probe did not measure it", "level, 0-2"),
       C("import", "number", "ONNX import level; empty where the probe did not measure it", "level, 0-2"),
       C("export_detail", "string", "what the probe ran for the export, or why it is missing"),
       C("import_detail", "string", "what the probe ran for the import, or why it is missing")),
    _t("sensitivity", "Input sensitivity: each single input moved one step (or a criterion on another basis), and what it does to the podium and the tier boundaries",
       C("framework", "string", "the framework whose input moved; empty for a basis swapped for the whole cast"), CRIT,
       C("change", "string", "one step up, one step down, or <basis> basis"),
       C("raw_from", "number", "the value before", "the criterion's own unit, or points for a published score"),
       C("raw_to", "number", "the value after", "the criterion's own unit, or points for a published score"),
       C("first", "string", "the framework ranked first after the change"),
       C("podium", "string", "the top three after the change, |-separated"),
       C("podium_changed", "boolean", "the podium (in order) differs from the base"),
       C("boundaries_changed", "string", "the tier boundaries that moved (k: the boundary below tier k), |-separated"),
       C("moved", "string", "the frameworks that crossed a boundary, |-separated")),
    _t("round", "One round's criterion scores (a slice of criteria_scores)", *_CRITERIA),
    _t("contributions", "Points each criterion adds to each framework's overall score under the edition's weights",
       FW, per="criterion", per_column=C("<criterion>", "number", "points the criterion contributes to the overall score", "points")),
    _t("claims", "The post's claims about its results, each checked against the reproduced scores",
       C("claim", "string", "the claim, in our words"), C("holds", "string", "yes, or NO"),
       C("what the figures give", "string", "what the reproduced scores say")),
    _t("rank_stability", "Ranks under weights drawn around the chosen ones (Dirichlet): base rank, shares and intervals",
       FW, C("base_rank", "integer", "rank under the chosen weights: the overall rank, ties shared"),
       C("p_top1", "number", "share of draws ranked first (ties count)", "share, 0-1"),
       C("p_top3", "number", "share of draws ranked in the top three", "share, 0-1"),
       C("rank_low", "integer", "best rank of the central 90% interval"), C("rank_high", "integer", "worst rank of that interval"),
       C("median_rank", "integer", "median rank over the draws")),
    _t("rank_probability", "Share of draws in which each framework takes each rank (a tie counts at the shared rank)",
       FW, per="rank", per_column=C("<rank>", "number", "share of draws at this rank", "share, 0-1")),
    _t("comparison_with_2018", "The post's published scores beside the same date re-measured, per criterion and framework",
       FW, CRIT, C("published", "number", "the post's score", "points, 0-100"),
       C("remeasured", "number", "the re-measured score", "points, 0-100"),
       C("raw_value", "number", "the re-measured raw value", "the criterion's own unit"), SOURCE, REASON,
       C("difference", "number", "re-measured minus published", "points"),
       C("published_same_cast", "number", "for a relative criterion, the published score over the best of the re-measured frameworks (the same cast)", "points, 0-100"),
       C("difference_same_cast", "number", "re-measured minus the published score over the same cast", "points")),
    _t("then_vs_now", "Rank, score and tier of each framework in the earlier and the later edition",
       FW, C("score_then", "number", "overall score then", "points, 0-100"), C("rank_then", "integer", "rank then"),
       C("tier_then", "integer", "tier then"), C("score_now", "number", "overall score now", "points, 0-100"),
       C("rank_now", "integer", "rank now"), C("tier_now", "integer", "tier now"),
       C("rank_then_common", "integer", "rank then among the frameworks scored in both editions"),
       C("rank_now_common", "integer", "rank now among the frameworks scored in both editions"),
       C("rank_change", "integer", "ranks climbed (positive) or lost, among the frameworks of both editions")),
    _t("modern_accelerators", "Round four: per framework and accelerator, how it is reached (index, curated or none), the evidence and citation",
       FW, C("accelerator", "string", "cuda, rocm, tpu, metal or ascend"), C("how", "string", "index, curated, none, or other backend (a front end's accelerator reached only through a backend it is not measured on: not counted)"),
       C("evidence", "string", "what the package index's metadata (or the cited entry) shows"),
       C("citation", "string", "the entry's citation URL (data/raw/accelerators.yaml)")),
    _t("modern_model_hub", "Round four: per framework and model library, whether the library's release declares the framework",
       FW, C("library", "string", "the model library"), C("project", "string", "its distribution on the index"),
       C("version", "string", "its newest final release as of the date"), C("supported", "number", "1 declared, 0 not; empty when not read", "0/1"),
       C("evidence", "string", "the requirement that names the framework, or what was read"), C("citation", "string", "the library's citation URL")),
    _t("modern_probe_observations", "What the probe's modern suite observed per framework and metric (its snapshot's observations)",
       *_observations(C("value", "number", "the observed value (every metric of the suite is a number); empty when missing"),
                      "the modern_probe snapshot (its date)")),
    _t("modern_deployment", "Round four: each deployment format the probe tried per framework",
       FW, C("format", "string", "the deployment format"), C("runtime", "string", "the runtime that reloaded it"),
       C("attempted", "integer", "1 tried, 0 not (the reason says why)", "0/1"), C("ok", "number", "1 same output after reload, 0 not; empty when not tried", "0/1"),
       C("bytes", "number", "size of what was written", "bytes"), REASON),
    _t("with_without_modern", "Today's overall score and rank with every round and without round four (Modern stack)",
       FW, C("score_with", "number", "overall score with every round", "points, 0-100"), C("rank_with", "integer", "rank with every round"),
       C("score_without", "number", "overall score on the post's three rounds", "points, 0-100"),
       C("rank_without", "integer", "rank on the post's three rounds"), C("rank_change", "integer", "ranks the round lifts (positive) or drops")),
    _t("criterion_spread", "Per criterion, the spread of the active frameworks' scores and whether it still separates them",
       C("round", "string", "the round id"), CRIT, C("name", "string", "the criterion's name"),
       C("n_scored", "integer", "active frameworks with a score", "count"), C("n_frameworks", "integer", "active frameworks", "count"),
       C("distinct_scores", "integer", "distinct scores among them", "count"), C("std", "number", "standard deviation of the scores", "points"),
       C("range", "number", "best minus worst", "points"), C("weight", "number", "the criterion's default weight", "relative"),
       C("saturated", "boolean", "standard deviation under 10 points, or one score for all")),
    _t("podium_by_round", "Per round, the spread of its category scores among the active frameworks and the podium without it",
       C("round", "string", "the round id"), C("name", "string", "the round's name"),
       C("category_std", "number", "standard deviation of the category scores", "points"),
       C("podium", "string", "the podium with every round"), C("podium_without", "string", "the podium without this round"),
       C("podium_changes", "boolean", "leaving the round out changes the podium")),
    _t("cpu_speed", "The informative CPU figure: median time of a fixed training step per framework (CPU only)",
       FW, C("median_ms", "number", "median of 25 steps after 5 warm-up, one thread", "ms"),
       C("steps_per_s", "number", "1000 / median_ms", "steps per second"), C("detail", "string", "CPU, threads and versions, or why n/a")),
    _t("gpu_cores_and_releases", "The largest CUDA-core count per year beside the final releases of the cast that year",
       C("year", "integer", "calendar year"), C("gpu", "string", "the GPU"), C("cores", "number", "CUDA cores", "count"),
       C("segment", "string", "consumer or data centre"), C("releases", "number", "final releases that year", "count"),
       C("frameworks_releasing", "number", "frameworks with at least one", "count")),
    _t("series", "An edition scored as of every date with a package-index snapshot: one row per date, framework and criterion",
       C("date", "string", "the as-of date of the dated edition"), C("framework", "string", "framework id"),
       C("criterion", "string", "criterion id"), C("score", "number", "criterion score", "0-100"),
       C("origin", "string", "measured, curated, published or not_available"), C("basis", "string", "the basis measured on"),
       C("overall", "number", "overall score that date", "0-100"), C("rank", "number", "overall rank that date (1 = best)"),
       C("n_ranked", "number", "frameworks ranked that date", "count")),
]
TABLES: dict[str, Table] = {t.name: t for t in _TABLES}


def schema(name: str, path=None) -> Table:
    """The schema of a table by its file name (``criteria_scores``, ``round_platform`` -> ``round``)."""
    key = name.rsplit("/", 1)[-1]
    key = "round" if key.startswith("round_") else key
    if key not in TABLES:
        raise DataError(path if path is not None else f"table {key}",
                        f"table {key!r} has no declared schema; declare it in showdown_lib/core/tables.py")
    return TABLES[key]


def empty(name: str) -> pd.DataFrame:
    """A table with the required columns and no rows (a product that does not apply to an edition)."""
    return pd.DataFrame(columns=[c.name for c in schema(name).columns if c.required])


def in_order(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """``frame`` with its declared columns in the declared order (a table whose optional columns vary)."""
    table = schema(name)
    declared = [c.name for c in table.columns]
    frame = frame[[c for c in declared if c in frame.columns] + [c for c in frame.columns if c not in declared]]
    # a flag set on some rows only (data_issue) is false on the others, so the CSV reads back as booleans
    flags = [c.name for c in table.columns if c.type == "boolean" and c.name in frame and frame[c.name].dtype.kind == "O"
             and frame[c.name].notna().any()]
    return frame.assign(**{c: frame[c].fillna(False).astype(bool) for c in flags}) if flags else frame


_KINDS = {"string": "OSU", "number": "fiub", "integer": "iub", "boolean": "b", "date": "OSU"}


def validate(frame: pd.DataFrame, name: str, path=None) -> None:
    """``frame`` against the schema of ``name``: every required column, no undeclared one, declared
    order, and each column's type. A :class:`DataError` names the table (``path``), the column and the rule."""
    table = schema(name, path)
    where = path if path is not None else f"table {name}"
    cols = [str(c) for c in frame.columns]
    declared = [c.name for c in table.columns]
    for col in declared:
        if table.column(col).required and col not in cols:
            raise DataError(where, "a required column is missing", field=col)
    for col in cols:
        if table.column(col) is None:
            raise DataError(where, f"column {col!r} is not declared in showdown_lib/core/tables.py", field=col)
    known = [c for c in cols if c in declared]
    if known != [c for c in declared if c in cols]:
        raise DataError(where, f"columns out of the declared order {declared}", field=known[0] if known else "")
    for col in cols:
        series = frame[col]
        spec = table.column(col)
        if series.dropna().empty:
            continue
        kind = series.dtype.kind if not isinstance(series.dtype, pd.BooleanDtype) else "b"
        if spec.type == "integer" and kind == "f" and not (series.dropna() % 1 == 0).all():
            raise DataError(where, f"must hold whole numbers (integer), got {series.dropna().iloc[0]!r}", field=col)
        if spec.type == "integer" and kind == "f":
            continue
        if kind not in _KINDS[spec.type]:
            raise DataError(where, f"must be of type {spec.type}, got pandas dtype {series.dtype}", field=col)
        if spec.type == "date":
            bad = series.dropna().astype(str)
            bad = bad[(bad != "") & ~bad.str.match(r"^\d{4}-\d{2}-\d{2}")]
            if len(bad):
                raise DataError(where, f"must be a date YYYY-MM-DD, got {bad.iloc[0]!r}", field=col)


def table_schema(name: str, columns: list[str] | None = None) -> dict:
    """The Frictionless Table Schema of ``name`` (for the columns a written table has, when given)."""
    table = schema(name)
    names = columns if columns is not None else [c.name for c in table.columns]
    fields = []
    for col in names:
        spec = table.column(col)
        field = {"name": col, "type": spec.type, "description": spec.description}
        if spec.unit:
            field["unit"] = spec.unit  # a custom property: Table Schema has no unit of its own
        fields.append(field)
    return {"title": table.name if "/" not in name else name, "description": table.description, "fields": fields,
            "missingValues": [""]}


def schema_text(name: str, columns: list[str]) -> str:
    return json.dumps(table_schema(name, columns), indent=2, ensure_ascii=False) + "\n"


def dictionary() -> pd.DataFrame:
    """Every table and column: type, unit and meaning (the site's data dictionary)."""
    rows = []
    for t in _TABLES:
        cols = list(t.columns) + ([t.per_column] if t.per_column else [])
        for c in cols:
            rows.append({"table": "round_<round>" if t.name == "round" else t.name, "column": c.name, "type": c.type,
                         "unit": c.unit or "—", "meaning": c.description, "table description": t.description})
    return pd.DataFrame(rows)


def schema_path(csv_path) -> "Path":
    """Where the schema of the CSV ``csv_path`` is written: ``<table>.schema.json`` beside it."""
    from pathlib import Path

    p = Path(csv_path)
    return p.with_name(p.stem + ".schema.json")


def text_columns(name: str, path=None) -> dict[str, type]:
    """The table's string and date columns, as ``read_csv``'s ``dtype``: a CSV cannot say that a column of ``2``
    or ``1.0`` is a label or a version, not a number."""
    return {c.name: str for c in schema(name, path).columns if c.type in ("string", "date")}


def read(path, name: str | None = None) -> pd.DataFrame:
    """The processed table at ``path`` (named by its file unless ``name``), read with its declared string
    and date columns as text (a CSV cannot say that a column of ``1.0`` is a version, not a number), then
    validated against its schema."""
    from pathlib import Path

    name = name or Path(path).stem
    frame = pd.read_csv(path, dtype=text_columns(name, path))
    validate(frame, name, path)
    return frame


def write(frame: pd.DataFrame, name: str, path, schema_target=None):
    """Validate ``frame`` as table ``name``, then write it to ``path`` (CSV) and its schema beside it
    (``schema_target``, default :func:`schema_path`), each atomically. Nothing is written when invalid."""
    from .fileio import atomic_write_csv, atomic_write_text

    validate(frame, name, path)
    written = atomic_write_csv(path, frame)
    atomic_write_text(schema_target or schema_path(path), schema_text(name, [str(c) for c in frame.columns]))
    return written


def rounded(frame: pd.DataFrame, decimals: int = 4) -> pd.DataFrame:
    """Floats rounded as every processed table is written (4 decimals: well below what any chart shows)."""
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype.kind == "f":
            frame[col] = frame[col].round(decimals)
    return frame