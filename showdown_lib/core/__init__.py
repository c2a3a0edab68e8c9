"""What every stage stands on: the project's paths, errors and file I/O, the raw files' schemas, the cast
(:mod:`.registry`), the method table (:mod:`.methodology`) and the processed tables' schemas (:mod:`.tables`).

The stages import downwards only (import-linter checks it, ``pyproject.toml``):
``present`` > ``pipeline`` > ``method`` > ``acquire`` > ``core``.
"""
