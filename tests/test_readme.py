"""The README's sentences about the data agree with the tables they describe."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from showdown_lib import narrative_findings, paths
from showdown_lib.ops_probe.report import read_status
from showdown_lib.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
NAMES = {fw.id: fw.name for fw in load_registry()}


def _table(edition: str, name: str) -> pd.DataFrame:
    return pd.read_csv(paths.processed_dir(edition) / f"{name}.csv")


def test_todays_podium_and_coverage_line_are_the_tables():
    assert "Today's podium: " + narrative_findings.podium_line(_table("current", "overall_scores"), NAMES) in README.replace("\n", " ")
    assert narrative_findings.coverage_line(_table("current", "criteria_scores"), "current") in README.replace("\n", " ")


def test_the_three_round_podium_is_the_table_without_round_four():
    ww = _table("current", "with_without_modern")
    three = ww.rename(columns={"score_without": "score", "rank_without": "rank"})[["framework", "score", "rank"]]
    assert "On the post's three rounds alone: " + narrative_findings.podium_line(three, NAMES) in README.replace("\n", " ")


def test_the_criteria_said_to_be_na_for_everyone_are():
    crit = _table("current", "criteria_scores")
    none = sorted(c for c, part in crit.groupby("criterion") if (part["status"] != "value").all())
    said = re.findall(r"(\w+) is n/a for every framework", README)
    assert [s.lower() for s in said] == none


def test_the_probe_counts_are_the_snapshots():
    status = read_status("2026-11-25")
    measured, skipped = (status["status"] == "measured").sum(), (status["status"] == "not attempted").sum()
    assert f"Today's snapshot measured {measured} frameworks; {skipped} were not attempted" in README.replace("\n", " ")
