"""09 · The hardware-software gap: GPU cores against framework releases, per year."""
from __future__ import annotations

import pandas as pd

from ...acquire.editions import load_edition
from ...method import comparisons
from .. import charts, narrative_comparisons
from .common import Presenter


class HardwareGap(Presenter):
    def __init__(self, step) -> None:
        super().__init__(step)
        self.cores = comparisons.gpu_cores()
        self.now = load_edition(step.params["now_edition"])
        self.releases = step.table(f"{self.now.id}/releases_per_year")  # written by the scoring step

    def stamp_context(self):
        return (self.now.id, self.now.as_of, "Source: GPU core counts from data/raw/hardware/gpu_cores.yaml (one citation per year); "
                f"releases from the package-index snapshot of edition {self.now.id}.")

    def table(self) -> pd.DataFrame:
        merged = self.cores[["year", "gpu", "cores", "segment"]].merge(self.releases, on="year", how="outer").sort_values("year")
        return merged.set_index("year")

    def chart(self) -> None:
        self.show(charts.hardware_gap(self.cores, self.releases), "hardware_software_gap")

    def story(self) -> str:
        return narrative_comparisons.gap_sentences(self.cores, self.releases)

    def write(self) -> str:
        return "staged " + self.step.write_table(self.table().reset_index(), "hardware-gap/gpu_cores_and_releases")
