"""Every case of ``tests/reliability_cases.py`` (the README's reliability table), run for real:
a clean message and exit status, no data lost, no traceback, no secret in any file or output."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reliability_cases as rc  # noqa: E402


@pytest.mark.parametrize("case", rc.CASES, ids=[c.name for c in rc.CASES])
def test_case(case):
    got = rc.run_case(case)
    assert not got["traceback"], got["output"]
    assert got["said"], f"expected {case.says!r} in:\n{got['output']}"
    assert got["clean"], f"exit status {got['rc']}:\n{got['output']}"
    assert got["data_lost"] == 0, got["lost_files"]
    assert got["secrets"] == []


def test_the_secret_scan_finds_a_planted_secret(tmp_path):
    (tmp_path / "cache.sqlite").write_bytes(b"\x00\x01" + rc.SECRETS[2].encode() + b"\x00")
    assert rc._secrets_in(tmp_path, "") and rc._secrets_in(tmp_path, f"x {rc.TOKEN} y")


def test_the_readmes_table_lists_every_case_and_counts_them():
    """The README's reliability table names every case of reliability_cases.py, in order, and counts them (each case
    is run above: a case that is not clean fails there, so 'clean' equals the count)."""
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (.+?) \| (?:ok|error) \| -?\d+ \| yes \| 0 \| no \| 0 \|$", readme, re.M)
    assert rows == [c.name for c in rc.CASES]
    n = len(rc.CASES)
    assert f"cases: {n}; clean: {n}; data lost: 0; tracebacks: 0; secrets found: 0" in readme
