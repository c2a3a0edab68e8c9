"""The site's own pages, each a notebook assembled in memory: Markdown cells for prose, HTML outputs for
tables (pandas) and the weights widget. :mod:`.builder` renders them with the site's template.

Every number comes from the processed tables the pipeline wrote (:func:`processed`, checked against
their schemas in :mod:`showdown_lib.core.tables`): the site never opens a snapshot and never scores.

Each page function takes the :class:`~.builder.Site` and returns ``(notebook, scripts)``.
"""
from __future__ import annotations

import json
import shutil

import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ...core import paths
from ...core.fileio import read_json, read_yaml
from ...core.methodology import load_methodology
from ...core.registry import load_registry
from ...method.lifecycle import display_names, is_developed
from .. import charts, narrative_findings
from . import findings, method_bases
from .builder import Site

POST = {
    "title": "Deep Learning Showdown",
    "author": "Coveo R&D, Coveo Tech Blog (the byline did not survive in the copy of the text we hold)",
    "date": "2018-08-14 (the date in its URL); the figures are taken as of 2018-06-26 in edition 2018",
    "url": "https://source.coveo.com/2018/08/14/deep-learning-showdown/",
}
TABLES = ("criteria_scores", "category_scores", "overall_scores")


def site_editions() -> list[str]:
    """The editions the site offers (downloads, provenance, the weights page): the step table's ``editions``."""
    from ...pipeline.steps import load_steps

    return list(load_steps().editions)


def processed(edition: str, name: str) -> pd.DataFrame:
    """A processed table the pipeline wrote, checked against its declared schema."""
    from ...core.tables import read

    return read(paths.processed_dir(edition) / f"{name}.csv", name)


def md(text: str):
    return new_markdown_cell(text)


def html(markup: str):
    """A cell that shows ``markup`` (its empty code is hidden by the template)."""
    return new_code_cell("", outputs=[new_output("display_data", data={"text/html": markup})])


def table(frame: pd.DataFrame, **kwargs):
    return html(charts.table_style(frame, **kwargs).to_html())


def notebook(cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def figure(site: Site, folder: str, name: str, alt: str) -> str:
    """Copy ``reports/figures/<folder>/<name>.png`` into the site; Markdown for it, or a note when it is missing."""
    src = paths.project_root() / "reports" / "figures" / folder / f"{name}.png"
    if not src.exists():
        return f"*(figure {folder}/{name}.png not built yet: run the pipeline)*"
    dst = site.out / "figures" / folder / src.name
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    return f"![{alt}](figures/{folder}/{src.name})"


def _links(site: Site) -> str:
    lines = ["- [Method](methodology.html): the criteria, every deviation from the post, n/a, and the post's own figures beside ours",
             "- [Data & citation](data.html): the tables to download, what each column means, where each snapshot came from, how to cite",
             "- [Your weights](weights.html): re-rank the frameworks with your own weights, live"]
    for edition in dict.fromkeys(p.edition for p in site.notebooks):
        pages = [f"[{p.title}]({p.href})" for p in site.notebooks if p.edition == edition]
        lines.append(f"- Notebooks of edition {site.label(edition)}: " + "; ".join(pages))
    return "\n".join(lines)


def index_page(site: Site):
    f = findings.load()
    ed = findings.roles()
    changes = "\n".join(f"{i}. {s}" for i, s in enumerate(f.changes(), 1))
    cells = [
        md("# Which deep-learning framework should we bet on?\n\n"
           f"Showdown scores deep-learning frameworks on the twelve criteria of the 2018 post *{POST['title']}*, "
           "reproduced from its published figures and measured again today. The findings first; "
           "the method, the data and every notebook are linked at the bottom."),
        md("## Today's podium\n\n" + f.today() + "\n\n" + figure(site, ed["now"], "overall_podium", "Overall scores today")),
        md("## What changed since 2018\n\n" + changes + "\n\n"
           + figure(site, f"{ed['then']}-vs-{ed['now']}", "rank_slope", "Overall rank in 2018 and today")),
        md("## The 2018 podium, as the post published it\n\n" + f.first_edition() + "\n\n"
           + figure(site, ed["published"], "overall_podium", "Overall scores in 2018")),
        md("## The post's closing questions, asked again\n\n" + f.closing_questions()),
        md("## Everything else\n\n" + _links(site)),
    ]
    return notebook(cells), ()


DEVIATIONS = [
    ("Scales read from the figures",
     "Where the post's text and its figures disagree on a scale, we follow the figures, because the figures are what "
     "the published scores were computed with. The criteria concerned, in the words of `criteria.yaml`:"),
    ("Numerics without activity",
     "The post folded the numerics library's development activity into the Numerics criterion. We score maturity and "
     "ease of use only: activity already has a criterion of its own, and counting it twice would tilt API & Internals "
     "towards the busiest projects."),
    ("Keras included, with its backend named",
     "The post left Keras out as an interface over other frameworks. Keras 3 runs on JAX, PyTorch and TensorFlow but is "
     "released, documented and adopted as a framework in its own right, so today's edition scores it, with the backend "
     "it is measured on: the probe installs it with JAX, so its ops, numerics, ONNX export and collectives are JAX's, "
     "and every chart, table and sentence calls it \"Keras (JAX backend)\" (`front_end` in `frameworks.yaml`). The "
     "2018 editions keep the post's cast."),
    ("One lifecycle vocabulary",
     "\"Active\", \"no longer developed\" and every status mark come from one rule over the registry and the release "
     "history (`lifecycle_rule` in `frameworks.yaml`): archived or merged as cited; dormant when the latest release is "
     "more than two years old; otherwise the cited status. Only active counts as developed. The date a copy of a "
     "history stops is never taken for an event."),
    ("Activity bases",
     "The post read activity from GitHub's pages. We measure it on a basis each edition declares (git history read as "
     "it stood on the edition's date, the GitHub API, or final or feature releases on the package index), never two "
     "on one scale; which basis each edition uses, and how well it agrees with an independent reference, is in "
     "*The bases of each edition* below. Where a history ends before the date, the value is n/a with that reason."),
    ("Published figures as input",
     "Edition 2018 takes the post's criterion scores off its breakdown figures (±1 point). It never re-derives them, so "
     "the post's judgement calls, doubtful ones included, stand as published and are discussed in the review table."),
]


def methodology_page(site: Site):
    method = load_methodology()
    crit = pd.DataFrame([{"round": method.round_name(c.round), "criterion": c.name, "id": c.id, "question": c.question,
                          "rule": c.rule, "kind": c.kind, "scale": c.scale_label(), "default weight": c.weight} for c in method.criteria])
    cells = [md("# Method\n\nThe post's twelve criteria in full, and ours of round four (Modern stack), as "
                "`data/raw/criteria.yaml` states them; the scorer reads the same file, so this table cannot drift from the "
                "scores. Modern stack is scored by today's edition only: the 2018 editions and then-versus-now keep the post's "
                "three rounds. Its accelerator and model-hub criteria are read from the package index's metadata by the rules "
                "of `data/raw/accelerators.yaml` and `data/raw/model_libraries.yaml` (each entry cited); its compiler, "
                "scale-out and deployment criteria are checked by the probe (`data/raw/probe_modern.yaml`). CPU speed is "
                "informative: its default weight is 0."), table(crit),
             md("## How a score is made\n\nA *levels* criterion scores its raw value over the top of its fixed scale "
                "(× 100); a *relative* criterion scores it over the best raw value of the cast, so the leader sits at 100. "
                "A category is the mean of its available criteria; the overall score is the mean of the three categories "
                "(both weighted, equal weights by default). Tiers are cut at the largest gaps between consecutive scores "
                "(scores rounded to 6 decimals; a zero gap is never cut; of equal gaps the one nearer the top goes first).")]
    cells.append(md("## The bases of each edition\n\nA criterion measured in more than one way is measured, in one "
                    "edition, on the basis that edition declares; the rules, the validity check of every measured basis and "
                    "the reconciliation of measured and cited values below are generated from each edition's own tables."))
    names = {fw.id: fw.name for fw in load_registry()}
    for edition in method_bases.collected_editions():
        for kind, content in method_bases.edition_section(edition, method, names):
            cells.append(md(content) if kind == "md" else table(content))
    cells.append(md("## Where we depart from the post, and why\n\n" + "\n\n".join(f"**{t}.** {why}" for t, why in DEVIATIONS)))
    notes = pd.DataFrame([{"criterion": c.name, "what the published figures show": c.figures_note}
                          for c in method.criteria if c.figures_note])
    cells.append(table(notes))
    cells.append(md("## n/a is not zero\n\nA value that cannot be had (no source, a history that stops short, a criterion the "
                    "post marked *data not available*) is n/a, with its reason in the coverage table. It is left out of its "
                    "category mean, whose weight is shared among the framework's other criteria, exactly as the post did; the "
                    "charts draw it as a hatched stub labelled n/a, while a real 0 is a visible zero bar with its value."))
    published = findings.roles()["published"]  # what the scoring step of the published edition (2018) wrote
    check = processed(published, "published_vs_reproduced")
    consistency, rules = processed(published, "published_self_consistency"), processed(published, "published_tier_rules")
    check["published_tier"] = check["published_tier"].astype("Int64")
    names = {fw.id: fw.name for fw in load_registry()}
    cells += [md("## The post's own summary figures beside ours\n\n" + narrative_findings.summary_sentences(check, consistency, rules, names)),
              table(check.assign(framework=check["framework"].map(names),
                                 published_tier=check["published_tier"].astype(object).where(check["published_tier"].notna(), "no tier")),
                    units={"difference": "points"}),
              md("The post's overall figure against the mean of its own category figures:"),
              table(consistency.assign(framework=consistency["framework"].map(names)), units={"difference": "points"}),
              md("Tier rules applied to the post's summary scores (exact: same tier; pair agreement: share of framework "
                 "pairs both groupings put together or apart):"),
              table(rules, percent=("pair_agreement",))]
    return notebook(cells), ()


def data_dictionary() -> pd.DataFrame:
    """The columns of the downloadable tables, from the one registry of processed tables."""
    from ...core.tables import dictionary

    d = dictionary()
    d = d[d["table"].isin(TABLES)].assign(table=lambda f: f["table"] + ".csv")
    return d[["table", "column", "type", "meaning", "unit"]].reset_index(drop=True)


def all_tables_dictionary() -> pd.DataFrame:
    """Every processed table the pipeline writes, with what it holds (each has a ``.schema.json`` beside it)."""
    from ...core.tables import TABLES as REGISTRY

    return pd.DataFrame([{"table": ("round_<round>" if t.name == "round" else t.name) + ".csv", "what it holds": t.description,
                          "columns": len(t.columns) + (1 if t.per else 0)} for t in REGISTRY.values()])


def provenance_table() -> pd.DataFrame:
    """The snapshots each edition reads, with their provenance (the scoring step's ``sources`` tables)."""
    frames = []
    for edition in site_editions():
        if (paths.processed_dir(edition) / "sources.csv").exists():
            frames.append(processed(edition, "sources").assign(edition=edition))
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True)
    cols = ["edition", "source", "snapshot", "as_of", "retrieved", "collector", "values", "missing", "method", "reason"]
    return table[[c for c in cols if c in table]].rename(columns={"as_of": "as of"})


def _downloads(site: Site) -> str:
    lines = []
    for edition in site_editions():
        folder = paths.processed_dir(edition)
        if not folder.is_dir():
            continue
        links = []
        for name in TABLES:
            src = folder / f"{name}.csv"
            if src.exists():
                dst = site.out / "data" / edition / src.name
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
                links.append(f"[{src.name}](data/{edition}/{src.name})")
        lines.append(f"- edition {site.label(edition)}: " + ", ".join(links))
    return "\n".join(lines)


def citation_text() -> str:
    cff = read_yaml(paths.project_root() / "CITATION.cff")
    authors = ", ".join(a.get("name") or f"{a.get('family-names')}, {a.get('given-names')}" for a in cff["authors"])
    bib = (f"@software{{showdown,\n  title = {{{cff['title']}}},\n  author = {{{authors}}},\n"
           f"  version = {{{cff['version']}}},\n  license = {{{cff['license']}}}\n}}")
    return (f"{authors}. *{cff['title']}*, version {cff['version']} ({cff['license']}). "
            f"The repository's `CITATION.cff` holds the same record.\n\n```bibtex\n{bib}\n```")


def data_page(site: Site):
    cells = [
        md("# Data and citation\n\n## Download\n\nThe three tables every chart and ranking is made from, as CSV "
           "(one row per framework and criterion, per framework and category, per framework):\n\n" + _downloads(site)),
        md("## What each column means"), table(data_dictionary()),
        md("## Every table the pipeline writes\n\nEach CSV under `data/processed/` has its schema beside it, "
           "`<table>.schema.json` (a Frictionless Table Schema: every column's type, unit and meaning), written from the "
           "same registry (`showdown_lib/core/tables.py`) that checks the table when it is written."), table(all_tables_dictionary()),
        md("## Where each snapshot came from\n\nEvery collected input is a dated snapshot under `data/raw/snapshots/` with its "
           "`provenance.json`; the pipeline reads them offline, in its scoring step only. The snapshots each edition reads:"),
        table(provenance_table()),
        md("## The post\n\n" + "\n".join(f"- **{k}**: {v}" for k, v in POST.items())
           + "\n\nEdition 2018 is read off the post's figures; the post's text is not reproduced here."),
        md("## Licence and terms\n\nThe code is under the MIT licence (`LICENSE`). The tables Showdown compiles (scores, "
           "curated facts with their citations, snapshots) are offered under CC BY 4.0: reuse them with a citation. The "
           "2018 figures are the post's and stay its authors'; cite the post when you use them. Values taken from the "
           "package index, GitHub or Stack Exchange remain subject to those services' terms."),
        md("## How to cite\n\n" + citation_text()),
    ]
    return notebook(cells), ()


def weights_data() -> dict:
    """What the weights page scores from: per edition, each framework's criterion scores (null when n/a)."""
    from ...acquire.editions import load_edition

    method, registry = load_methodology(), load_registry()
    colors, names = charts.framework_colors(registry), display_names(registry)
    editions = {}
    for eid in site_editions():
        path = paths.processed_dir(eid) / "criteria_scores.csv"
        if not path.exists():
            continue
        crit, ed = processed(eid, "criteria_scores"), load_edition(eid)
        order = list(dict.fromkeys(crit["framework"]))
        scores = {fw: {r.criterion: (None if r.status != "value" or pd.isna(r.score) else float(r.score))
                       for r in crit[crit["framework"] == fw].itertuples()} for fw in order}
        weights = processed(eid, "weights")
        # each edition marks what was no longer developed on its own date (its lifecycle table, by the one rule)
        life = processed(eid, "lifecycle").set_index("framework")["status"].to_dict()
        retired = (lambda fw: life.get(fw) if not is_developed(life.get(fw, "active")) else "")
        editions[eid] = {"label": ed.label, "title": ed.title, "as_of": ed.as_of, "n_tiers": ed.n_tiers,
                         "frameworks": [{"id": fw, "name": names[fw], "color": colors[fw], "status": retired(fw)} for fw in order],
                         "scores": scores, "weights": {k: dict(zip(part["id"], part["weight"].astype(float)))
                                                       for k, part in weights.groupby("kind")},
                         "expected": expected_outputs(eid)}
    rounds = [{"id": r, "name": method.round_name(r), "criteria": [{"id": c.id, "name": c.name, "weight": c.weight}
                                                                   for c in method.criteria_of(r)]}
              for r in method.round_ids]
    from ...pipeline.steps import load_steps

    return {"default_edition": load_steps().default_edition, "edition_order": list(editions), "rounds": rounds, "editions": editions}


def expected_outputs(edition: str) -> list[dict]:
    """The kernel's outputs for an edition as the scoring step wrote them (category means, overall score,
    rank, tier per framework): what the page's port must give back under the edition's weights."""
    cats = processed(edition, "category_scores").pivot(index="framework", columns="category", values="score")
    na = lambda v: None if pd.isna(v) else v  # noqa: E731
    return [{"id": r.framework, "score": na(r.score), "rank": na(r.rank) and int(r.rank), "tier": na(r.tier) and int(r.tier),
             "categories": {c: na(cats.loc[r.framework, c]) for c in cats.columns}}
            for r in processed(edition, "overall_scores").itertuples()]


def weights_page(site: Site):
    payload = json.dumps(weights_data(), sort_keys=True).replace("</", "<\\/")
    cells = [
        md("# Your own weights\n\nThe post weighed its three categories equally and every criterion equally within its "
           "category. Today's edition adds a fourth category, Modern stack (accelerators, compiler, scale-out, deployment, "
           "model hubs); the 2018 editions have no scores in it. Set its slider to 0 to rank today's frameworks on the post's "
           "three categories alone. Its CPU speed criterion is informative and starts at 0. "
           "Move a slider to weigh them your way: the frameworks are re-scored and re-ranked as you move it, and "
           "the tiers are cut again at the largest gaps, with the same rule as the report. A weight is relative (0 leaves "
           "the category or criterion out; 2 counts it twice). Everything runs in this page, from the scores embedded in "
           "it. The rank-stability notebooks show how far the ranking moves under weights drawn at random."),
        html('<div id="sd-weights-app" class="sd-weights"></div>\n'
             f'<script type="application/json" id="sd-weights-data">{payload}</script>'),
    ]
    return notebook(cells), ("assets/weights.js",)


PAGES = {"index.html": index_page, "methodology.html": methodology_page, "data.html": data_page, "weights.html": weights_page}
