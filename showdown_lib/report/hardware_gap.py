"""09 · The hardware-software gap: GPU cores against framework releases, per year."""
from __future__ import annotations

import pandas as pd

from .. import beyond, charts, narrative_beyond
from .common import Presenter


class HardwareGap(Presenter):
    def __init__(self, step) -> None:
        super().__init__(step)
        self.cores = beyond.gpu_cores()
        self.releases = beyond.releases_per_year(step.params["now_edition"])

    def table(self) -> pd.DataFrame:
        merged = self.cores[["year", "gpu", "cores", "segment"]].merge(self.releases, on="year", how="outer").sort_values("year")
        return merged.set_index("year")

    def chart(self) -> None:
        self.show(charts.hardware_gap(self.cores, self.releases), "hardware_software_gap")

    def story(self) -> str:
        return narrative_beyond.gap_sentences(self.cores, self.releases)

    def write(self) -> str:
        return "staged " + self.step.write_table(self.table().reset_index(), "hardware-gap/gpu_cores_and_releases")
