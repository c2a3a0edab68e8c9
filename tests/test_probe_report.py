"""The probe's per-framework status: measured, attempted but failed, not attempted.

A notebook once said "the probe ran for 18 frameworks ... Caffe 0, BigDL 0" for eight frameworks
that were never attempted: their missing points were summed to 0. These tests pin the split.
"""
from __future__ import annotations

import pandas as pd

from showdown_lib.acquire.probe.report import probe_status
from showdown_lib.acquire.sources.base import OBSERVATION_COLUMNS, Observation, missing


def _frame(rows):
    return pd.DataFrame([o.as_row() for o in rows], columns=OBSERVATION_COLUMNS)


ROWS = [
    Observation("pytorch", "attempted", 1, "0/1", "d", "ops_probe", "installed"),
    Observation("pytorch", "framework_version", "2.15.0", "version", "d", "ops_probe"),
    Observation("pytorch", "ootb_ops", 32.0, "points of 32", "d", "ops_probe"),
    Observation("pytorch", "graph_building", 2, "level 0-2", "d", "ops_probe"),
    Observation("mxnet", "attempted", 1, "0/1", "d", "ops_probe", "installed"),
    missing("mxnet", "ootb_ops", "points of 32", "d", "ops_probe", "install failed: ERROR: no wheel"),
    Observation("caffe", "attempted", 0, "0/1", "d", "ops_probe", "not attempted: caffe is not distributed on the package index"),
    missing("caffe", "ootb_ops", "points of 32", "d", "ops_probe", "not attempted: caffe is not distributed on the package index"),
]


def test_status_keeps_measured_failed_and_not_attempted_apart():
    st = probe_status(_frame(ROWS))
    assert st["status"].to_dict() == {"pytorch": "measured", "mxnet": "failed", "caffe": "not attempted"}
    assert st.loc["caffe", "why"] == "caffe is not distributed on the package index"
    assert st.loc["mxnet", "why"] == "install failed: ERROR: no wheel"
    assert st.loc["pytorch", "ootb_ops"] == 32.0 and st.loc["pytorch", "graph_building"] == 2
    assert pd.isna(st.loc["caffe", "ootb_ops"])  # missing stays missing, never 0


def test_snapshots_without_the_attempted_metric_still_split():
    old = [r for r in ROWS if r.metric != "attempted"]
    assert probe_status(_frame(old))["status"].to_dict() == {"pytorch": "measured", "mxnet": "failed", "caffe": "not attempted"}
