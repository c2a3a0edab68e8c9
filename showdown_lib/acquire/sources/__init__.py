"""Collectors: one module per data source, all returning :class:`Observation` records."""
