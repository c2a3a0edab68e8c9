"""Build ``reports/site/``: the executed notebooks as web pages, plus the site's own pages.

Every page goes through nbconvert's HTML exporter with one template (``templates/showdown``), which
extends JupyterLab's and drops its CDN scripts (require.js, MathJax, Mermaid, widgets), hides the
code, and adds the navigation. The site's own pages (index, method, data, weights) are notebooks
assembled in memory from the processed tables (:mod:`.pages`), so prose is Markdown and tables are
pandas HTML, never HTML strings stitched together. Figures in notebook outputs are embedded as data
URIs; figures and CSV files the site's pages link to are copied beside them, so the folder opens from
the file system, offline, and can be copied anywhere as it is.
"""
from __future__ import annotations

import copy
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ...core import paths

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
SITE_PAGES = [("index.html", "Key findings"), ("methodology.html", "Method"), ("data.html", "Data & citation"),
              ("weights.html", "Your weights")]


def site_dir() -> Path:
    return paths.project_root() / "reports" / "site"


@dataclass
class NotebookPage:
    edition: str
    source: Path
    title: str

    @property
    def href(self) -> str:
        return f"notebooks/{self.edition}/{self.source.stem}.html"


@dataclass
class Site:
    """What every page needs to know: where it goes, and the navigation."""
    out: Path
    notebooks: list[NotebookPage] = field(default_factory=list)
    _labels: dict[str, str] = field(default_factory=dict, repr=False)

    def label(self, edition: str) -> str:
        """How the site names an edition: its ``label`` (``data/raw/editions/<id>/edition.yaml``; a dated edition adds
        its date). Which editions there are, and which is the default, is the step table's (``notebooks/steps.yaml``)."""
        if edition not in self._labels:
            from ...acquire.editions import load_edition

            self._labels[edition] = load_edition(edition).label
        return self._labels[edition]

    def nav(self) -> list[dict]:
        sections = [{"title": "", "links": [{"href": h, "text": t} for h, t in SITE_PAGES]}]
        for edition in dict.fromkeys(p.edition for p in self.notebooks):
            links = [{"href": p.href, "text": p.source.stem.split("_", 1)[0], "title": p.title} for p in self.notebooks if p.edition == edition]
            sections.append({"title": f"Notebooks, {self.label(edition)}:", "links": links})
        return sections


def notebook_title(nb, fallback: str) -> str:
    """The first Markdown heading of the notebook, without its hashes."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#+\s+(.+)$", cell.source, flags=re.M)
            if m:
                return m.group(1).strip()
    return fallback


def find_notebooks(root: Path | None = None) -> list[NotebookPage]:
    """The executed notebooks: ``notebooks/*.ipynb`` for the default edition, ``reports/notebooks/<edition>/``
    for the others, in edition order (default first) and notebook order."""
    from ...pipeline.steps import load_steps

    root = root or paths.project_root()
    table = load_steps()
    found = [(table.default_edition, p) for p in sorted((root / "notebooks").glob("*.ipynb"))]
    others = root / "reports" / "notebooks"
    if others.is_dir():
        order = list(table.editions)
        for folder in sorted(others.iterdir(), key=lambda f: (order.index(f.name) if f.name in order else len(order), f.name)):
            if folder.is_dir() and folder.name != table.default_edition:
                found += [(folder.name, p) for p in sorted(folder.glob("*.ipynb"))]
    pages = []
    for edition, path in found:
        nb = nbformat.read(path, as_version=4)
        pages.append(NotebookPage(edition, path, notebook_title(nb, path.stem)))
    return pages


def clean_notebook(nb):
    """A copy fit for readers: no warnings on stderr, no empty code cells, links to notebooks made links to pages."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        elif cell.cell_type == "markdown":
            cell.source = re.sub(r"\]\(([\w./-]+)\.ipynb\)", r"](\1.html)", cell.source)
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or c.outputs]
    return nb


def exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="showdown", extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
                        exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True)


def render(nb, site: Site, href: str, title: str, banner: str = "", scripts: tuple[str, ...] = ()) -> Path:
    """Write ``nb`` as the page ``href`` (relative to the site root) with the site's navigation."""
    depth = href.count("/")
    nb = copy.deepcopy(nb)
    nb.metadata["title"] = f"{title} · Showdown"
    for i, cell in enumerate(nb.cells):  # pages made in memory draw random cell ids: a rebuilt page must be identical
        cell["id"] = f"cell-{i}"
    resources = {"showdown": {"root": "../" * depth, "nav": site.nav(), "here": href, "banner": banner,
                              "scripts": list(scripts), "footer": FOOTER}}
    body, _ = exporter().from_notebook_node(nb, resources=resources)
    target = site.out / href
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


FOOTER = ("Showdown reproduces and re-measures the 2018 blog post “Deep Learning Showdown”. Code under the MIT "
          "licence; data terms and how to cite on the Data & citation page.")


def render_notebooks(site: Site) -> None:
    from ...acquire.editions import load_edition

    for page in site.notebooks:
        nb = clean_notebook(nbformat.read(page.source, as_version=4))
        try:
            ed = load_edition(page.edition)
            when = f"edition {ed.id}, as of {ed.as_of}"
        except Exception:  # a folder of executed notebooks whose edition is no longer defined
            when = f"edition {page.edition}"
        banner = (f"{page.title}: {when}. Code hidden; the notebook with its code is "
                  f"{paths.shown(page.source)} "
                  "in the repository.")
        render(nb, site, page.href, f"{page.title} ({page.edition})", banner=banner)


def copy_static(site: Site) -> None:
    assets = site.out / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    for f in STATIC.iterdir():
        if f.is_file():
            shutil.copy2(f, assets / f.name)
