"""The README's sentences about the data agree with the tables they describe."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from showdown_lib.core import paths
from showdown_lib.present import narrative_findings
from showdown_lib.acquire.probe.report import read_status
from showdown_lib.method.lifecycle import display_names
from showdown_lib.core.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
NAMES = display_names(load_registry())  # "Keras (JAX backend)": a front end is named with its backend


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


def test_the_fragility_said_is_the_sensitivity_table():
    t = _table("current", "sensitivity")
    text = README.replace("\n", " ")
    assert f"of {len(t)} single-input changes tried" in text and f"{int(t['podium_changed'].sum())} change the podium" in text
    overall = _table("current", "overall_scores").sort_values("rank")
    first = overall["framework"].iloc[0]
    moved = t[t["podium_changed"]]
    assert set(moved["first"]) == {first} and f"none moves {NAMES[first]} from first" in text
    gap = overall["score"].iloc[1] - overall["score"].iloc[2]
    assert f"Second and third are {gap:.1f} points apart" in text
    second_third = {f for p in moved["podium"] for f in p.split("|")[1:]}
    assert second_third <= set(overall["framework"].iloc[1:4]) and "lets Keras in" in text
    assert NAMES[overall["framework"].iloc[3]].startswith("Keras")


def test_the_lifecycle_counts_said_are_the_rule():
    life = _table("current", "lifecycle")
    gone = life[life["status"] != "active"]
    text = README.replace("\n", " ")
    assert f"Today {len(gone)} of the {len(life)} are no longer developed" in text
    dormant = sorted(NAMES[f] for f in life.loc[life["status"] == "dormant", "framework"])
    assert "BigDL, Caffe, Chainer, CNTK, Deeplearning4j and Theano dormant" in text and len(dormant) == 6
