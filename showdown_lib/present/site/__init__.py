"""The report as a static web site, built from the executed notebooks and the processed tables.

``build(out_dir=None)`` writes ``reports/site/`` (or ``out_dir``) and returns the path of its index page.
:mod:`.builder` renders pages through nbconvert; :mod:`.pages` assembles the site's own pages.
"""
from __future__ import annotations

from pathlib import Path


def build(out_dir: str | Path | None = None) -> Path:
    """Build the whole site into ``out_dir`` (default ``reports/site/``) and return the index page.

    The folder is built aside and swapped in only when every page rendered, so a failure never leaves a
    half-built site behind.
    """
    from ...core.fileio import atomic_directory
    from . import pages
    from .builder import SITE_PAGES, Site, copy_static, find_notebooks, render, render_notebooks, site_dir

    target = Path(out_dir) if out_dir else site_dir()
    with atomic_directory(target) as tmp:
        site = Site(out=tmp, notebooks=find_notebooks())
        copy_static(site)
        render_notebooks(site)
        for href, title in SITE_PAGES:
            nb, scripts = pages.PAGES[href](site)
            render(nb, site, href, title, scripts=scripts)
    return target / "index.html"


def build_step(step) -> None:
    """The pipeline's ``site`` step (notebooks/steps.yaml): its inputs are the tables, figures and executed
    notebooks it renders, so a run that changed none of them does not build it again."""
    build()


__all__ = ["build", "build_step"]
