"""Your own cast: a run restricted to a shortlist (-p cast=[...]) speaks of that cast only; a bad id is refused first.

Adding a framework by one registry entry is proven end to end by the rehearsal (tests/test_rehearsal.py: FakeFlow
reaches every table, chart and page of a dated edition)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from showdown_lib.core.registry import load_registry
from showdown_lib.pipeline.steps import StepError, check_parameters, load_steps

ROOT = Path(__file__).resolve().parents[1]
SHORTLIST = ["pytorch", "jax", "tensorflow"]
METHOD_CELLS = {"rep.method_table()", "rep.validity()"}


def test_an_unknown_framework_in_the_cast_is_refused_with_the_registry_ids():
    with pytest.raises(StepError, match=r"parameter cast: unknown framework id\(s\) \['pytorhc'\]"):
        check_parameters(load_steps(), {"cast": ["pytorch", "pytorhc"]})
    with pytest.raises(StepError, match="cast"):
        check_parameters(load_steps(), {"cast": "pytorch"})
    assert check_parameters(load_steps(), {"cast": SHORTLIST}) == {"cast": SHORTLIST}


@pytest.mark.slow
def test_a_shortlist_run_speaks_of_that_cast_only(pipeline_project):
    env = {**os.environ, "SHOWDOWN_ROOT": str(pipeline_project)}
    started = time.time() - 1
    proc = subprocess.run([sys.executable, str(ROOT / "run_all.py"), "--edition", "current", "-p", "cast=[pytorch, jax, tensorflow]",
                           "--only", "score", "00", "01", "02", "03", "04", "05", "07", "10", "11", "--no-site"],
                          env=env, capture_output=True, text=True, cwd=pipeline_project)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    tables = sorted((pipeline_project / "data" / "processed" / "current").glob("*.csv"))
    for table in tables:
        frame = pd.read_csv(table)
        if "framework" in frame and len(frame):  # an empty table (the post's review, for a collected edition) names no one
            assert set(frame["framework"]) == set(SHORTLIST), table.name
    others = [fw.name for fw in load_registry() if fw.id not in SHORTLIST and fw.name not in ("Keras",)]  # Keras: in the edition's title
    charts = sorted((pipeline_project / "reports" / "figures" / "current").glob("*.png"))  # charts are PNG only
    assert len(charts) >= 10
    assert all(c.stat().st_mtime >= started for c in charts), "a chart of the edition was not redrawn for the shortlist"
    books = sorted((pipeline_project / "reports" / "notebooks" / "current").glob("*.ipynb"))
    assert len(books) == 7
    for book in books:
        cells = json.loads(book.read_text(encoding="utf-8"))["cells"]
        # the method and the validity of its bases are the method's, with their references and reasons (which name
        # frameworks of the reference editions); everything else speaks of the shortlist
        outputs = json.dumps([c.get("outputs", []) for c in cells if "".join(c["source"]) not in METHOD_CELLS])
        named = [n for n in others if re.search(rf"(?<![A-Za-z]){re.escape(n)}(?![A-Za-z])", outputs)]
        assert named == [], (book.name, named)


def test_a_framework_without_any_value_is_said_to_be_unranked_not_a_crash():
    """A registry entry with nothing collected yet: its profile says so (05_discussion used to fail on int(NaN))."""
    from showdown_lib.present import narrative
    from showdown_lib.core.methodology import load_methodology

    overall = pd.DataFrame({"framework": ["a", "b", "new"], "score": [80.0, 60.0, float("nan")],
                            "rank": [1.0, 2.0, float("nan")], "tier": [1.0, 2.0, float("nan")]})
    categories = pd.DataFrame({"framework": ["a", "b"], "category": ["platform", "platform"], "score": [80.0, 60.0]})
    names = {"a": "Alpha", "b": "Beta", "new": "Newcomer"}
    method = load_methodology()
    assert narrative.profile("new", categories, overall, method, names) == \
        "Newcomer is not ranked: none of its criteria has a value in this edition."
    assert narrative.profile("b", categories, overall, method, names).startswith("Beta ranks 2 of 2 (60.0, tier 2)")
