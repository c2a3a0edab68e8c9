"""Schemas of the raw data files, validated with ``jsonschema`` before any hand-written check.

One JSON Schema (draft 2020-12) per kind of file: the framework registry, the method table
(``criteria.yaml``), editions, curated fact files and the curated set's ``_set.yaml``, the probe's
checks and a snapshot's ``provenance.json``. :func:`validate` raises one
:class:`~showdown_lib.errors.DataError` naming the file, the entry (a framework, round, criterion or
fact), the field and the rule that failed, for the most relevant error (``jsonschema.exceptions.best_match``).
Before the schema, every value of the file is walked once: a NaN or an infinity, and a date after
today, are errors wherever they sit. What a schema cannot say (a framework id known to the registry,
checksums that match the files, a curated set that exists) stays in the loaders.

The schemas are permissive where other parts of the method grow: a criterion may carry fields this
module does not know (a new basis, a new round's settings) as long as the fields it does know are
well formed; the top level of each file is closed, so a typo in a known key is an error.
"""
from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import DataError

_ID = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_]*$", "description": "an identifier: lowercase letters, digits and _"}
_TEXT = {"type": "string", "minLength": 1, "pattern": r"\S"}
_NUMBER = {"type": "number"}
_DATE = {"anyOf": [{"type": "string", "format": "date"}, {"x-date": True}], "description": "a date YYYY-MM-DD"}
_URL = {"type": "string", "pattern": "^https?://[^/\\s]+", "description": "an http(s) URL"}
_CITATION = {"type": "object", "required": ["url", "title", "accessed"], "additionalProperties": False,
             "description": "a citation with exactly url, title and accessed",
             "properties": {"url": _URL, "title": _TEXT, "accessed": _DATE}}

SCHEMAS: dict[str, dict[str, Any]] = {
    "frameworks": {
        "type": "object", "required": ["frameworks"], "additionalProperties": False,
        "properties": {"frameworks": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["id", "name", "association", "first_release", "repositories", "pypi", "so_tags", "numerics"],
            "properties": {
                "id": _ID, "name": _TEXT, "association": _TEXT,
                "first_release": {"type": "integer", "minimum": 1990, "maximum": 2100, "description": "the year of the first release"},
                "repositories": {"type": "array", "items": {"type": "object", "required": ["url"], "additionalProperties": False,
                                                             "properties": {"url": _URL, "path": _TEXT}}},
                "pypi": {"type": "array", "items": _TEXT, "description": "a list of project names"},
                "so_tags": {"type": "array", "items": _TEXT, "description": "a list of tags"},
                "numerics": _TEXT, "github_query": _TEXT, "note": _TEXT,
                "color": {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$", "description": "a hex colour #RRGGBB"},
                "lifecycle": {"type": "object", "required": ["status"], "properties": {
                    "status": {"enum": ["active", "maintenance", "archived", "merged"]}, "since": _DATE, "into": _ID,
                    "note": _TEXT, "citation": _CITATION}},
            }}}},
    },
    "criteria": {
        "type": "object", "required": ["rounds", "criteria"],
        "properties": {
            "rounds": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["id", "name", "order"],
                "properties": {"id": _ID, "name": _TEXT,
                               "order": {"type": "integer", "minimum": 1, "description": "the round's position, a whole number from 1"}}}},
            "criteria": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["id", "round", "name", "kind"],
                "properties": {
                    "id": _ID, "round": _ID, "name": _TEXT, "question": _TEXT, "rule": _TEXT, "kind": _TEXT,
                    "min": _NUMBER, "max": _NUMBER, "step": {"type": "number", "exclusiveMinimum": 0},
                    "levels": {"type": "object"}, "inputs": {"type": "array"}, "bases": {"type": "object"},
                    "default_basis": _ID, "formula": _TEXT, "when_inactive": {"type": "object"},
                }}},
        },
    },
    "edition": {
        "type": "object", "required": ["id", "title", "as_of", "kind", "cast", "inputs"], "additionalProperties": False,
        "properties": {
            "id": {"type": ["string", "integer"]}, "title": _TEXT, "as_of": _DATE, "kind": {"enum": ["published", "collected"]},
            "cast": {"anyOf": [{"const": "all"}, {"type": "array", "minItems": 1, "uniqueItems": True, "items": _ID}]},
            "n_tiers": {"type": "integer", "minimum": 1, "maximum": 20}, "description": {"type": "string"},
            "based_on": {"type": ["string", "integer"]},
            "inputs": {"type": ["object", "null"], "properties": {
                "curated": {"type": "object", "required": ["set"], "properties": {"set": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$"}}},
                "published_criteria": {"$ref": "#/$defs/published"}, "published_summary": {"$ref": "#/$defs/published"},
            }},
        },
        "$defs": {"published": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$"},  # a file of the edition's folder, no path
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "retrieved": _DATE, "as_of": _DATE}}},
    },
    "curated": {
        "type": "object", "required": ["framework", "as_of", "curator", "facts"], "additionalProperties": False,
        "properties": {
            "framework": _ID, "as_of": _DATE, "curator": _TEXT,
            "facts": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["value"], "additionalProperties": False,
                "properties": {"value": {"anyOf": [{"type": ["number", "string", "null", "boolean"]}, {"x-date": True}]}, "note": _TEXT, "reason": _TEXT,
                               "citation": {"anyOf": [{"type": "null"}, _CITATION]}}}},
        },
    },
    "curated_set": {
        "type": "object", "required": ["frameworks"], "additionalProperties": False,
        "properties": {"frameworks": {"type": "array", "minItems": 1, "uniqueItems": True, "items": _ID}, "note": _TEXT},
    },
    "probe_checks": {
        "type": "object", "required": ["frameworks"],
        "properties": {"frameworks": {"type": "object", "additionalProperties": {
            "type": "object",
            "properties": {"requirements": {"type": "array", "items": _TEXT}, "graph": {"type": "object"},
                           "onnx": {"type": "object"}, "dist": {"type": "object"}}}}},
    },
    "provenance": {
        "type": "object", "required": ["source", "as_of", "checksums"],
        "properties": {
            "source": _TEXT, "as_of": {"type": "string", "format": "date"}, "endpoint": {"type": "string"},
            "method": {"type": "string"}, "retrieved_at": {"type": "string"}, "collector_version": {"type": "string"},
            "n_observations": {"type": "integer", "minimum": 0}, "n_ok": {"type": "integer", "minimum": 0},
            "n_missing": {"type": "integer", "minimum": 0}, "failures": {"type": "array", "items": {"type": "string"}},
            "tables": {"type": "array", "items": {"type": "string", "pattern": "^[a-z0-9_]+$"}},
            "checksums": {"type": "object", "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
            "extra": {"type": "object"},
        },
    },
}

#: Where the entry of an error is: a list of mappings with an ``id`` (the entry is that id), or a
#: mapping keyed by name under one of these keys (the entry is the key).
_NAMED_MAPS = {"curated": ("facts",), "probe_checks": ("frameworks",)}


@lru_cache(maxsize=None)
def _validator(name: str):
    import jsonschema

    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    cls = jsonschema.validators.extend(jsonschema.Draft202012Validator, {
        "x-date": lambda validator, value, instance, schema: None if isinstance(instance, dt.date) else
        (yield jsonschema.ValidationError(f"{instance!r} is not a date YYYY-MM-DD"))})
    return cls(SCHEMAS[name], format_checker=checker)


def _where(name: str, data: Any, path: list) -> tuple[str | None, str | None]:
    """(entry, field) of a path into ``data``."""
    entry, field_parts, node = None, [], data
    named = _NAMED_MAPS.get(name, ())
    for i, part in enumerate(path):
        child = node[part] if isinstance(node, (dict, list)) and (isinstance(node, dict) or isinstance(part, int)) else None
        if isinstance(part, int) and isinstance(child, dict) and "id" in child:
            entry, field_parts = str(child["id"]), []
        elif isinstance(part, int):
            field_parts.append(f"[{part}]") if field_parts else field_parts.append(f"#{part}")
        elif i > 0 and path[i - 1] in named and entry is None and isinstance(node, dict):
            entry, field_parts = str(part), []
        else:
            field_parts.append(str(part))
        node = child
    field = ".".join(field_parts).replace(".[", "[") or None
    return entry, field


def _walk(data: Any, path: list, today: dt.date):
    """(path, problem) of the first NaN/infinity or future date in ``data``, else None."""
    stack = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return where, f"{value!r} is not a finite number"
        if isinstance(value, dt.date) and (value.date() if isinstance(value, dt.datetime) else value) > today:
            return where, f"{value} is in the future (today is {today})"
        if isinstance(value, dict):
            stack.extend((v, [*where, k]) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((v, [*where, i]) for i, v in reversed(list(enumerate(value))))
    return None


def validate(data: Any, name: str, path: str | Path, today: dt.date | None = None) -> Any:
    """``data`` (read from ``path``) checked against the schema ``name``; returned unchanged, or one DataError."""
    import jsonschema

    found = _walk(data, [], today or max(dt.date.today(), dt.datetime.now(dt.timezone.utc).date()))
    if found:
        entry, field = _where(name, data, found[0])
        raise DataError(path, f"{found[1]} (rule: finite numbers and past dates only)", entry, field)
    error = jsonschema.exceptions.best_match(_validator(name).iter_errors(data))
    if error is None:
        return data
    entry, field = _where(name, data, list(error.absolute_path))
    where = "the top level" if not error.absolute_path else "it"
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        field = f"{field}.{missing}" if field and missing else (missing or field)
        raise DataError(path, f"missing required field (rule: required{_wanted(error.schema)})", entry, field)
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})), key=str)
        field = ".".join(p for p in (field, str(extra[0]) if extra else "") if p) or None
        raise DataError(path, f"unknown key {extra[0]!r} in {where} (rule: no unknown keys; allowed: "
                        f"{sorted(error.schema.get('properties', {}))})", entry, field)
    got = _short(repr(error.instance), 80)
    wanted = error.schema.get("description") or error.parent and error.parent.schema.get("description") if error.parent else error.schema.get("description")
    rule = f"{error.validator} {_short(repr(error.validator_value), 60)}" if error.validator not in ("anyOf", "x-date") else "one of the allowed forms"
    if wanted:
        raise DataError(path, f"{where} must be {wanted}, got {got} (rule: {rule})", entry, field)
    raise DataError(path, f"{where}: {_short(error.message)} (rule: {rule})", entry, field)


def _wanted(schema: dict) -> str:
    return f"; {schema['description']}" if schema.get("description") else ""


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
