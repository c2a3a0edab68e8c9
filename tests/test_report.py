"""Presenters: lifecycle marks in collected editions only, charts stamped with their edition."""
from __future__ import annotations

from showdown_lib.acquire.editions import load_edition
from showdown_lib.core.registry import load_registry
from showdown_lib.present.presenters.common import Presenter


def test_retired_frameworks_are_marked_in_collected_editions_only():
    from showdown_lib.method.lifecycle import edition_table, is_developed

    registry = {fw.id: fw for fw in load_registry()}
    current = load_edition("current")
    life = edition_table(current).set_index("framework")["status"]  # the one lifecycle rule
    retired = [f for f, st in life.items() if not is_developed(st)]
    assert "mxnet" in retired and "chainer" in retired and "pytorch" not in retired

    p = Presenter(step=None)
    p.mark_lifecycle(current)
    for f in retired:
        assert p.names[f] == f"{registry[f].name} ({life[f]})"
        assert next(fw for fw in p.all_frameworks if fw.id == f).color == registry[f].color  # colour unchanged
    assert p.names["pytorch"] == "PyTorch"
    assert p.names["keras"] == "Keras (JAX backend)"  # a front end carries the backend it was measured on

    published = Presenter(step=None)
    published.mark_lifecycle(load_edition("2018"))
    assert published.names["mxnet"] == registry["mxnet"].name


def test_numbers_in_tables_never_use_e_notation():
    from showdown_lib.present.presenters.common import plain_number

    assert [plain_number(x) for x in (92.1098, 0.0, 0.85, 0.0188, 1e-05, 2.2e-04, 1234.5)] == [
        "92.1", "0.0", "0.850", "0.019", "0.00001", "0.0002", "1,234.5"]
    assert all("e" not in plain_number(x) for x in (1e-7, 3e-6, 5e5))
