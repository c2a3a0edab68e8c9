"""The static site: built from the committed notebooks and tables into a temporary folder, then opened in
headless Chromium (no console error, every local link and image resolves, the weights page re-ranks),
and the page's port of the aggregation kernel (weights.js) checked against the kernel on every edition
and on random weights."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pandas as pd
import pytest

from showdown_lib.method.lifecycle import is_developed
from showdown_lib.core import paths
from showdown_lib.present import narrative_findings
from showdown_lib.core.registry import load_registry
from showdown_lib.method.scoring import assign_tiers
from showdown_lib.present.site import build
from showdown_lib.present.site import builder, findings, pages


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    index = build(tmp_path_factory.mktemp("site") / "site")
    return index.parent


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# -- the build, without a browser ---------------------------------------------------------------

def test_a_page_per_notebook_and_edition_and_the_site_pages(site):
    expected = {p.href for p in builder.find_notebooks()} | {h for h, _ in builder.SITE_PAGES}
    built = {p.relative_to(site).as_posix() for p in html_pages(site)}
    assert expected == built
    assert {"2018", "current"} <= {p.edition for p in builder.find_notebooks()}


def test_pages_hide_code_and_load_nothing_from_the_network(site):
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', text), page
        assert "require.js" not in text and "MathJax.js" not in text, page
        assert "class=\"jp-InputArea-editor" not in text and "class=\"jp-CodeMirrorEditor" not in text, f"{page} shows code"


def test_index_leads_with_the_findings_in_order(site):
    text = (site / "index.html").read_text(encoding="utf-8")
    heads = re.findall(r"<h2[^>]*>(.*?)<", text)
    assert heads[:3] == ["Today's podium", "What changed since 2018", "The 2018 podium, as the post published it"]
    assert "framework × criterion cells of edition current" in text
    life = findings.lifecycle()
    retired = life[~life["status"].map(is_developed)]
    assert len(retired), "the lifecycle rule finds frameworks no longer developed"
    names = {fw.id: fw.name for fw in load_registry()}
    for r in retired.itertuples():  # marked with their status, from the one lifecycle rule (lifecycle.csv)
        assert f"{names[r.framework]} ({r.status}" in text, r.framework
    assert f"{len(retired)} of the {len(findings.read('current', 'overall_scores'))} frameworks ranked are no longer developed" in text
    # Ecosystem n/a for every framework is said where the answer is, with what the round rests on
    assert "is n/a for every framework" in text and "Support &amp; Community rests on" in text
    assert "How fragile is it?" in text and "holds unless" in text


def visible_text(page: Path) -> str:
    import html

    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))))


def test_tables_are_never_cut(site):
    from showdown_lib.core.methodology import load_methodology

    text = visible_text(site / "methodology.html")
    for c in load_methodology().criteria:
        assert re.sub(r"\s+", " ", c.rule) in text, c.id  # the longest cells, in full
        if c.figures_note:
            assert re.sub(r"\s+", " ", c.figures_note) in text, c.id


def test_data_dictionary_documents_every_column():
    table = pages.data_dictionary()
    assert set(table["table"]) == {"criteria_scores.csv", "category_scores.csv", "overall_scores.csv"}
    for name in pages.TABLES:  # every column of the written tables, from the registry
        cols = pd.read_csv(paths.processed_dir("current") / f"{name}.csv", nrows=0).columns
        assert list(table[table["table"] == f"{name}.csv"]["column"]) == list(cols)
    assert table["meaning"].str.len().min() > 10


def test_downloads_and_provenance_are_on_the_data_page(site):
    text = (site / "data.html").read_text(encoding="utf-8")
    for edition in ("2018", "current", "2018-remeasured"):
        for name in pages.TABLES:
            assert f'href="data/{edition}/{name}.csv"' in text
            assert (site / "data" / edition / f"{name}.csv").read_bytes() == (paths.processed_dir(edition) / f"{name}.csv").read_bytes()
    for edition in ("current", "2018-remeasured"):  # every snapshot an edition reads, from its sources table
        for snap in pd.read_csv(paths.processed_dir(edition) / "sources.csv")["snapshot"].dropna():
            assert str(snap) in text
    assert pages.POST["url"] in text and "How to cite" in text


def test_clean_notebook_drops_warnings_and_links_pages():
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    nb = new_notebook(cells=[
        new_markdown_cell("see [the aggregate](04_aggregate.ipynb)"),
        new_code_cell("x", outputs=[new_output("stream", name="stderr", text="a warning"), new_output("stream", name="stdout", text="kept")]),
        new_code_cell("y", outputs=[new_output("stream", name="stderr", text="only a warning")]),
    ])
    out = builder.clean_notebook(nbformat.from_dict(nb))
    assert out.cells[0].source == "see [the aggregate](04_aggregate.html)"
    assert len(out.cells) == 2 and [o["text"] for o in out.cells[1].outputs] == ["kept"]


def test_weights_data_carries_every_score_and_na():
    data = pages.weights_data()
    crit = pd.read_csv(paths.processed_dir("2018") / "criteria_scores.csv")
    ed = data["editions"]["2018"]
    assert len(ed["frameworks"]) == crit["framework"].nunique()
    na = crit[crit["status"] != "value"].iloc[0]
    assert ed["scores"][na.framework][na.criterion] is None
    ok = crit[crit["status"] == "value"].iloc[0]
    assert ed["scores"][ok.framework][ok.criterion] == pytest.approx(ok.score)
    assert [c["id"] for r in data["rounds"] for c in r["criteria"]][:12] == list(dict.fromkeys(crit["criterion"]))
    now = pd.read_csv(paths.processed_dir("current") / "criteria_scores.csv")  # today's edition adds round four
    assert [c["id"] for r in data["rounds"] for c in r["criteria"]] == list(dict.fromkeys(now["criterion"]))
    weights = {c["id"]: c["weight"] for r in data["rounds"] for c in r["criteria"]}
    assert weights["cpu_speed"] == 0 and weights["compiler"] == 1


def test_the_site_names_editions_from_the_step_table_and_marks_each_by_its_own_date():
    """Edition ids come from notebooks/steps.yaml (its editions, its default, the then-vs-now defaults); each
    edition marks the frameworks no longer developed on its own date, by its lifecycle table."""
    from showdown_lib.pipeline.steps import load_steps

    table = load_steps()
    data = pages.weights_data()
    assert data["edition_order"] == table.editions and data["default_edition"] == table.default_edition
    assert findings.roles() == {role: str(table.parameters[f"{role}_edition"].default) for role in ("then", "now", "published")}
    for eid, ed in data["editions"].items():
        life = findings.lifecycle(eid).set_index("framework")["status"]
        cast = {f["id"] for f in ed["frameworks"]}
        marked = {f["id"]: f["status"] for f in ed["frameworks"] if f["status"]}
        assert marked == {fw: st for fw, st in life.items() if fw in cast and not is_developed(st)}, eid
        assert marked or eid != table.default_edition, "the 2018 edition marks what had stopped by 2018 too"


# -- in the browser ----------------------------------------------------------------------------

def chromium_path() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    why = None
    if not found:
        why = "Chromium is not installed (Debian package `chromium`; .ci/run installs it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            why = "the playwright package is not installed (pip install -e .)"
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser test cannot run in CI: {why}")
        pytest.skip(why)
    real = Path("/usr/lib/chromium/chromium")  # Debian's binary behind the /usr/bin/chromium wrapper script
    return str(real) if found == "/usr/bin/chromium" and real.exists() else found


@pytest.fixture(scope="module")
def browser():
    exe = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def open_page(browser, path: Path):
    """Open ``path`` and collect console errors, page errors and failed requests."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


def local_target(page_path: Path, ref: str) -> Path | None:
    url = urlparse(ref)
    if url.scheme in ("http", "https", "mailto", "data") or ref.startswith("#") or not ref:
        return None
    if url.scheme == "file":
        return Path(unquote(url.path))
    return (page_path.parent / unquote(url.path)).resolve()


def test_every_page_opens_clean_and_every_local_link_and_image_resolves(site, browser):
    for path in html_pages(site):
        page, problems = open_page(browser, path)
        refs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        srcs = page.eval_on_selector_all("img", "els => els.map(e => [e.getAttribute('src'), e.complete && e.naturalWidth > 0])")
        ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        page.close()
        assert not problems, f"{path.relative_to(site)}: {problems}"
        for ref in refs:
            if ref.startswith("#") and len(ref) > 1:
                assert ref[1:] in ids or unquote(ref[1:]) in ids, f"{path.relative_to(site)}: anchor {ref} has no target"
            target = local_target(path, ref)
            if target is not None:
                assert target.is_file(), f"{path.relative_to(site)}: link {ref} does not resolve"
                assert site.resolve() in target.parents, f"{path.relative_to(site)}: link {ref} leaves the site"
        for src, loaded in srcs:
            assert loaded, f"{path.relative_to(site)}: image {src[:60]} did not load"


def ranking(page) -> list[str]:
    return page.eval_on_selector_all("#sd-ranking tbody tr", "rows => rows.map(r => r.dataset.framework)")


def set_slider(page, slider_id: str, value: float) -> None:
    page.eval_on_selector(f"#{slider_id}", "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input')); }", value)


def test_screenshots_and_a_slider_changes_the_ranking(site, browser, tmp_path):
    page, problems = open_page(browser, site / "index.html")
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    page.close()
    page, problems = open_page(browser, site / "weights.html")
    before = ranking(page)
    overall = pd.read_csv(paths.processed_dir("2018") / "overall_scores.csv")
    assert before == list(overall.sort_values(["rank", "framework"])["framework"])  # equal weights: the report's order
    set_slider(page, "w-cat-platform", 0)
    after = ranking(page)
    page.screenshot(path=str(tmp_path / "weights.png"), full_page=True)
    assert before[:3] == ["mxnet", "pytorch", "tensorflow"]
    assert after[:3] != before[:3] and set(after) == set(before)
    page.click("#sd-edition-current")
    now = pd.read_csv(paths.processed_dir("current") / "overall_scores.csv")
    set_slider(page, "w-cat-platform", 1)
    assert ranking(page) == list(now.sort_values(["rank", "framework"])["framework"])  # CPU speed starts at weight 0
    set_slider(page, "w-cat-modern_stack", 0)  # the post's three rounds only: the ranking without round four
    without = pd.read_csv(paths.processed_dir("current") / "with_without_modern.csv")
    assert ranking(page) == list(without.sort_values(["rank_without", "framework"])["framework"])
    assert not problems
    assert (tmp_path / "index.png").stat().st_size > 10_000 and (tmp_path / "weights.png").stat().st_size > 10_000


TIER_CASES = [
    ([90, 80, 70, 60], 3),
    ([90, 90, 50, 50, 10], 3),           # ties are never split
    ([100, 90, 80, 70, 60], 3),           # equal gaps: cut nearest the top first
    ([50, 50, 50], 3),                    # one distinct score: one tier
    ([0.1 + 0.2, 0.3, 0.0], 2),           # float noise is not a gap
    ([None, 70, float("nan"), 40, 39], 2),  # no score, no tier
    ([12.3456785, 12.3456775, 1], 2),     # rounding to 6 decimals, half to even
    ([], 3),
]


def py_tiers(scores, n):
    s = pd.Series([np.nan if v is None else v for v in scores], dtype=float)
    return [None if pd.isna(t) else int(t) for t in assign_tiers(s, n)]


JS_SCORE = """([e, cw, w]) => { const d = JSON.parse(document.getElementById('sd-weights-data').textContent);
    return window.showdownWeights.score(d.editions[e], d.rounds, cw, w); }"""


def kernel_outputs(edition: str, crit_w: dict, cat_w: dict) -> pd.DataFrame:
    """The Python kernel's outputs (through the scorer) on the page's inputs: the edition's processed criterion scores."""
    from showdown_lib.core.methodology import load_methodology
    from showdown_lib.method.scoring import category_scores, overall_scores

    from showdown_lib.acquire.editions import load_edition

    method = load_methodology()
    n_tiers = load_edition(edition).n_tiers
    crit = pd.read_csv(paths.processed_dir(edition) / "criteria_scores.csv")
    cats = category_scores(crit, method, crit_w, n_tiers)
    over = overall_scores(cats, method, cat_w, n_tiers).set_index("framework")
    wide = cats.pivot(index="framework", columns="category", values="score")
    return over.join(wide)


def test_javascript_tiers_agree_with_python(site, browser):
    rng = np.random.default_rng(2018)
    cases = list(TIER_CASES)
    for _ in range(25):
        n = int(rng.integers(2, 19))
        scores = np.round(rng.uniform(20, 100, n), int(rng.integers(0, 3))).tolist()
        cases.append((scores, int(rng.integers(1, 6))))
    page, problems = open_page(browser, site / "weights.html")
    for scores, n in cases:
        js_in = [None if (v is None or (isinstance(v, float) and np.isnan(v))) else v for v in scores]
        js = page.evaluate("([s, n]) => window.showdownWeights.assignTiers(s, n)", [js_in, n])
        assert js == py_tiers(scores, n), (scores, n)
    assert not problems


def test_javascript_port_gives_the_kernels_outputs_on_every_edition(site, browser):
    """The page ships each edition's inputs and the kernel's outputs under its weights: the port gives them back."""
    data = pages.weights_data()
    page, problems = open_page(browser, site / "weights.html")
    for edition in ("2018", "current", "2018-remeasured"):
        shipped = data["editions"][edition]
        rows = {r["id"]: r for r in page.evaluate(JS_SCORE, [edition, shipped["weights"]["category"], shipped["weights"]["criterion"]])}
        expected = pd.read_csv(paths.processed_dir(edition) / "overall_scores.csv").set_index("framework")
        assert len(shipped["expected"]) == len(rows) == len(expected)
        for want in shipped["expected"]:
            got = rows[want["id"]]
            assert got["score"] == pytest.approx(want["score"], abs=1e-3)  # the page's inputs are the tables' 4-decimal scores
            assert (got["rank"], got["tier"]) == (want["rank"], want["tier"]) == (expected.loc[want["id"], "rank"], expected.loc[want["id"], "tier"])
            for cat, value in want["categories"].items():
                assert got["categories"][cat] == pytest.approx(value, abs=1e-3)
    assert not problems


def test_javascript_port_equals_the_kernel_under_random_weights(site, browser):
    data = pages.weights_data()
    rng = np.random.default_rng(7)
    page, problems = open_page(browser, site / "weights.html")
    crit_ids = [c["id"] for r in data["rounds"] for c in r["criteria"]]
    round_ids = [r["id"] for r in data["rounds"]]
    for edition in ("2018", "current", "2018-remeasured"):
        for trial in range(12):
            # weights as the sliders give them (0 to 3 in quarters), some zero, and one tie-prone equal set
            crit_w = {c: float(rng.integers(0, 13)) / 4 for c in crit_ids}
            cat_w = {r: float(rng.integers(1, 13)) / 4 for r in round_ids}
            if trial == 0:
                crit_w, cat_w = {c: 1.0 for c in crit_ids}, {r: 2.0 for r in round_ids}
            want = kernel_outputs(edition, crit_w, cat_w)
            got = {r["id"]: r for r in page.evaluate(JS_SCORE, [edition, cat_w, crit_w])}
            assert set(got) == set(want.index)
            for fw, row in want.iterrows():
                g = got[fw]
                if pd.isna(row["score"]):
                    assert g["score"] is None and g["rank"] is None and g["tier"] is None
                    continue
                assert g["score"] == pytest.approx(row["score"], rel=1e-12, abs=1e-9), (edition, fw, crit_w, cat_w)
                assert (g["rank"], g["tier"]) == (row["rank"], row["tier"]), (edition, fw, crit_w, cat_w)
                for cat in round_ids:
                    assert (g["categories"][cat] is None) == pd.isna(row[cat])
                    if g["categories"][cat] is not None:
                        assert g["categories"][cat] == pytest.approx(row[cat], rel=1e-12, abs=1e-9)
    assert not problems


def test_the_site_names_each_edition_by_its_label(pipeline_project):
    """The navigation, the index's links, the downloads and the weights page name an edition by the label of its
    file; a dated edition (``current@2024-06-30``) by its base edition's label with its date."""
    import yaml

    path = pipeline_project / "data/raw/editions/current/edition.yaml"
    spec = yaml.safe_load(path.read_text())
    spec["label"] = "this week"
    path.write_text(yaml.safe_dump(spec))
    nb = Path("notebooks/04_aggregate.ipynb")
    site = builder.Site(out=pipeline_project / "site", notebooks=[builder.NotebookPage(e, nb, "The overall score")
                                                                 for e in ("2018", "current", "current@2024-06-30")])
    assert [s["title"] for s in site.nav()] == ["", "Notebooks, 2018 (as published):", "Notebooks, this week:",
                                                 "Notebooks, this week (as of 2024-06-30):"]
    links = pages._links(site)
    assert "- Notebooks of edition this week (as of 2024-06-30): [The overall score](notebooks/current@2024-06-30/04_aggregate.html)" in links
    assert "- edition this week: [criteria_scores.csv]" in pages._downloads(site)
    data = pages.weights_data()["editions"]
    assert (data["current"]["label"], data["2018-remeasured"]["label"]) == ("this week", "2018 re-measured")
