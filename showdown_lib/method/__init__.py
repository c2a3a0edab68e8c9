"""The method: observations to raw values (:mod:`.raw_values`), raw values to scores (:mod:`.scoring`,
:mod:`.kernel`), an edition scored (:mod:`.edition_scores`), and what the scoring step derives from the scores
(stability, sensitivity, lifecycle, validity, the series, the comparisons, the published review).

It reads snapshots through acquisition's readers and never draws, tells or runs a step.
"""
