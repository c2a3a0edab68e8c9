"""The collect command: failures and interruptions never damage the previous snapshot."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from showdown_lib.acquire import collect
from showdown_lib.core import fileio
from showdown_lib.core.errors import CollectionError
from showdown_lib.acquire.sources.base import Observation, SourceResult, missing
from showdown_lib.acquire.snapshots import write_snapshot


def result(source, as_of, values):
    obs = [Observation(fw, "stars", v, "count", as_of, source, "d") if v is not None
           else missing(fw, "stars", "count", as_of, source, "gone") for fw, v in values.items()]
    return SourceResult(source, as_of, obs, "{api}/x", "test", "1")


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_interrupted_write_leaves_the_previous_snapshot_whole(scratch_root, monkeypatch):
    folder = write_snapshot(result("github", "2026-01-01", {"pytorch": 1, "jax": 2}))
    before = digest(folder)
    real = fileio.atomic_write_json

    def crash(*args, **kwargs):  # observations.csv is already written in the temporary folder
        raise KeyboardInterrupt

    monkeypatch.setattr(fileio, "atomic_write_json", crash)
    with pytest.raises(KeyboardInterrupt):
        write_snapshot(result("github", "2026-01-01", {"pytorch": 100, "jax": 200}))
    monkeypatch.setattr(fileio, "atomic_write_json", real)
    assert digest(folder) == before
    leftovers = [p.name for p in folder.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_failed_source_is_reported_others_still_written(scratch_root, monkeypatch, capsys):
    old = write_snapshot(result("github", "2026-02-01", {"pytorch": 1}))
    before = digest(old)

    def fake(source, frameworks, as_of, args):
        if source == "github":
            raise CollectionError("GitHub rate limit exhausted until 14:00; set GITHUB_TOKEN or retry later")
        return result(source, as_of.isoformat(), {f.id: 7 for f in frameworks})

    monkeypatch.setattr(collect, "_run_source", fake)
    code = collect.main(["--edition", "current", "--source", "github", "stackexchange", "--as-of", "2026-02-01", "--framework", "pytorch"])
    err = capsys.readouterr().err
    assert code == 1 and "github: GitHub rate limit exhausted" in err and "previous snapshots are unchanged" in err
    assert digest(old) == before
    se = pd.read_csv(scratch_root / "data/raw/snapshots/stackexchange/2026-02-01/observations.csv")
    assert se.set_index("framework").loc["pytorch", "value"] == 7


def test_subset_collection_keeps_other_frameworks_rows(scratch_root, monkeypatch):
    write_snapshot(result("stackexchange", "2026-03-01", {"pytorch": 1, "jax": 2, "keras": None}))
    monkeypatch.setattr(collect, "_run_source", lambda s, fws, d, a: result(s, d.isoformat(), {f.id: 99 for f in fws}))
    assert collect.main(["--edition", "current", "--source", "stackexchange", "--as-of", "2026-03-01", "--framework", "jax"]) == 0
    got = pd.read_csv(scratch_root / "data/raw/snapshots/stackexchange/2026-03-01/observations.csv").set_index("framework")
    assert got.loc["jax", "value"] == 99 and got.loc["pytorch", "value"] == 1 and got.loc["keras", "status"] == "missing"


def test_collecting_as_of_another_date_never_edits_the_edition_file(scratch_root, monkeypatch, capsys):
    path = scratch_root / "data/raw/editions/current/edition.yaml"
    before = path.read_bytes()
    monkeypatch.setattr(collect, "_run_source", lambda s, fws, d, a: result(s, d.isoformat(), {f.id: 1 for f in fws}))
    assert collect.main(["--edition", "current", "--source", "stackexchange", "--as-of", "2026-04-02"]) == 0
    assert path.read_bytes() == before
    assert (scratch_root / "data/raw/snapshots/stackexchange/2026-04-02/observations.csv").exists()
    assert "--edition current@2026-04-02" in capsys.readouterr().out


def test_bad_mirror_argument_and_unknown_framework(scratch_root, capsys):
    assert collect.main(["--edition", "current", "--source", "git", "--git-mirror", "nopath"]) == 1
    assert "ID=PATH" in capsys.readouterr().out
    assert collect.main(["--edition", "current", "--framework", "nosuch"]) == 2
    assert "nosuch" in capsys.readouterr().err
