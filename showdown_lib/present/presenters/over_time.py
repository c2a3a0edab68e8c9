"""11 · Over time: one collected edition as of every date it has snapshots for.

The scoring step wrote the series (``processed/EDITION/series.csv``, :mod:`showdown_lib.method.series`); this step reads
that table only, never a snapshot."""
from __future__ import annotations

import pandas as pd

from ...acquire.editions import load_edition
from ...core.methodology import load_methodology
from ...method import series
from .. import charts_series, narrative_comparisons
from .common import Presenter


class OverTime(Presenter):
    def __init__(self, step) -> None:
        super().__init__(step)
        self.edition = load_edition(step.params["series_edition"])
        self.method = load_methodology()
        self.mark_lifecycle(self.edition)
        table = step.table(f"{self.edition.id}/series", dtype={"date": str})
        self.series = table[table["framework"].isin(self.edition.cast)]  # a shortlist run speaks of its cast only
        self.dates = sorted(self.series["date"].unique())
        self.folder = f"{self.edition.id}-over-time"

    def stamp_context(self):
        span = f"{self.edition.id}@{self.dates[0]} to @{self.dates[-1]}" if self.dates else self.edition.id
        return (span, self.dates[-1] if self.dates else self.edition.as_of,
                f"Source: Showdown edition {self.edition.id} scored as of each date on the snapshots taken on or before it "
                f"(package index: releases and wheels as of the date); curated facts are today's. data/processed/{self.edition.id}/series.csv.")

    def dates_table(self) -> pd.DataFrame:
        """Per date: frameworks ranked, and the share of cells measured."""
        per = self.series.groupby("date")
        return pd.DataFrame({"frameworks ranked": per["n_ranked"].max().astype(int),
                             "cells measured": per["origin"].apply(lambda o: (o == "measured").mean())})

    def rank_table(self) -> pd.DataFrame:
        table = series.ranks(self.series)
        table.index = [self.names.get(f, f) for f in table.index]
        return table.sort_values(table.columns[-1]) if len(table.columns) else table

    def rank_chart(self) -> None:
        self.show(charts_series.rank_over_time(series.ranks(self.series), self.registry, self.names, self.rounds_said()),
                  "rank_over_time")

    def rounds_said(self) -> str:
        """What the series ranks on: the method's standing rounds (the opt-in ones, such as Modern stack, left out)."""
        standing = self.method.standing_round_ids
        left = [self.method.round_name(r) for r in self.method.round_ids if r not in standing]
        return (f"on the {len(standing)} standing rounds" + (f" ({', '.join(left)} left out)" if left else ""))

    def measured_chart(self) -> None:
        names = {c.id: c.name for c in self.method.criteria}
        fig = charts_series.measured_over_time(self.series, series.measured_criteria(self.series), names, self.registry, self.names)
        self.show(fig, "measured_over_time")

    def story(self) -> str:
        return narrative_comparisons.series_sentences(self.series, self.names, self.rounds_said())
