"""Acquisition: an edition's definition (:mod:`.editions`), the collectors (:mod:`.sources`), the probe
(:mod:`.probe`) and the collection runner that seals their answers as dated snapshots (:mod:`.collect`).

It reads the cast and the method table from :mod:`showdown_lib.core` and imports nothing that scores or shows.
"""
