"""Presenters: lifecycle marks in collected editions only, charts stamped with their edition."""
from __future__ import annotations

from showdown_lib.editions import load_edition
from showdown_lib.registry import load_registry
from showdown_lib.report.common import Presenter


def test_retired_frameworks_are_marked_in_collected_editions_only():
    registry = {fw.id: fw for fw in load_registry()}
    current = load_edition("current")
    retired = [f for f, fw in registry.items() if not fw.is_active(current.as_of)]
    assert "mxnet" in retired and "pytorch" not in retired

    p = Presenter(step=None)
    p.mark_lifecycle(current)
    for f in retired:
        assert p.names[f] == f"{registry[f].name} ({registry[f].status_on(current.as_of)})"
        assert next(fw for fw in p.all_frameworks if fw.id == f).color == registry[f].color  # colour unchanged
    assert p.names["pytorch"] == "PyTorch"

    published = Presenter(step=None)
    published.mark_lifecycle(load_edition("2018"))
    assert published.names["mxnet"] == registry["mxnet"].name


def test_numbers_in_tables_never_use_e_notation():
    from showdown_lib.report.common import plain_number

    assert [plain_number(x) for x in (92.1098, 0.0, 0.85, 0.0188, 1e-05, 2.2e-04, 1234.5)] == [
        "92.1", "0.0", "0.850", "0.019", "0.00001", "0.0002", "1,234.5"]
    assert all("e" not in plain_number(x) for x in (1e-7, 3e-6, 5e5))
