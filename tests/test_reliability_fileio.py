"""Atomic writes: the user's umask, crash-safe folder swaps, dates in YAML that are not dates."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from showdown_lib.core import fileio
from showdown_lib.core.errors import DataError


@pytest.fixture
def umask():
    def set_mask(mask: int) -> None:
        os.umask(mask)

    old = os.umask(0o022)
    os.umask(old)
    yield set_mask
    os.umask(old)


@pytest.mark.parametrize("mask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700), (0o002, 0o664, 0o775)])
def test_atomic_writes_follow_the_umask(tmp_path, umask, mask, file_mode, dir_mode):
    umask(mask)
    f = fileio.atomic_write_text(tmp_path / "a.txt", "x")
    assert stat.S_IMODE(f.stat().st_mode) == file_mode
    with fileio.atomic_directory(tmp_path / "snap") as tmp:
        fileio.atomic_write_text(tmp / "b.csv", "y")
    assert stat.S_IMODE((tmp_path / "snap").stat().st_mode) == dir_mode
    assert stat.S_IMODE((tmp_path / "snap" / "b.csv").stat().st_mode) == file_mode


def _fill(folder: Path, text: str) -> None:
    fileio.atomic_write_text(folder / "observations.csv", text)


KILL_SCRIPT = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from showdown_lib.core import fileio
    target = Path(sys.argv[1])
    calls = {"n": 0}
    real = os.replace
    def replace(src, dst):
        calls["n"] += 1
        out = real(src, dst)
        if calls["n"] == int(sys.argv[2]):
            os._exit(9)  # a kill right after this rename: no finally, no except
        return out
    with fileio.atomic_directory(target) as tmp:
        (tmp / "observations.csv").write_text("new")
        os.replace = replace
""")


@pytest.mark.parametrize("kill_at", [1, 2, 3], ids=["after-ready", "between-the-two-renames", "before-old-removed"])
def test_a_kill_during_the_swap_never_loses_the_folder(tmp_path, kill_at):
    target = tmp_path / "git" / "2026-11-25"
    target.mkdir(parents=True)
    _fill(target, "old")
    # the 1st rename marks the new folder complete, the 2nd moves the old one aside, the 3rd puts the new one in place
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(target), str(kill_at)], cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 9
    if kill_at == 2:
        assert not target.exists()  # the window the old code lost the snapshot in
    fileio.recover_all(target.parent)
    assert (target / "observations.csv").read_text() == "new"  # the complete new folder wins
    assert [p.name for p in target.parent.iterdir()] == ["2026-11-25"]


def test_a_kill_before_the_new_folder_is_complete_keeps_the_old_one(tmp_path):
    target = tmp_path / "snap"
    target.mkdir()
    _fill(target, "old")
    script = textwrap.dedent("""
        import os, sys
        from pathlib import Path
        from showdown_lib.core import fileio
        with fileio.atomic_directory(Path(sys.argv[1])) as tmp:
            (tmp / "observations.csv").write_text("half")
            os._exit(9)
    """)
    assert subprocess.run([sys.executable, "-c", script, str(target)], cwd=Path(__file__).resolve().parents[1]).returncode == 9
    fileio.recover_all(tmp_path)
    assert (target / "observations.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]


def test_an_exception_between_the_renames_puts_the_old_folder_back(tmp_path, monkeypatch):
    target = tmp_path / "snap"
    target.mkdir()
    _fill(target, "old")
    real = os.replace
    calls = {"n": 0}

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:  # after the old folder went aside, before the new one is in place
            raise KeyboardInterrupt
        return real(src, dst)

    with pytest.raises(KeyboardInterrupt):
        with fileio.atomic_directory(target) as tmp:
            (tmp / "observations.csv").write_text("new")
            monkeypatch.setattr(fileio.os, "replace", replace)
    monkeypatch.setattr(fileio.os, "replace", real)
    fileio.recover_all(tmp_path)  # the next load finishes the swap: the new folder was complete
    assert (target / "observations.csv").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]


def test_an_impossible_date_in_yaml_names_file_line_and_key(tmp_path):
    path = tmp_path / "edition.yaml"
    path.write_text("id: x\ntitle: t\nas_of: 2026-13-45\n")
    with pytest.raises(DataError) as err:
        fileio.read_yaml(path)
    msg = str(err.value)
    assert str(path) in msg and "'as_of'" in msg and "line 3" in msg and "2026-13-45" in msg


def test_yaml_that_is_not_utf8_is_a_data_error(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(DataError, match="not UTF-8"):
        fileio.read_yaml(path)
