"""Schemas of the raw data files, validated with ``fastjsonschema`` before any hand-written check.

One JSON Schema (draft 2020-12) per kind of file: the framework registry, the method table
(``criteria.yaml``), editions, curated fact files and the curated set's ``_set.yaml``, the probe's
checks and a snapshot's ``provenance.json``. :func:`validate` raises one
:class:`~showdown_lib.core.errors.DataError` naming the file, the entry (a framework, round, criterion or
fact), the field and the rule that failed (the first error the compiled validator meets). YAML dates
are checked as ISO strings. ``fastjsonschema`` compiles each schema to Python once (a few ms, and it
already validates the run parameters); ``jsonschema`` was measured too, but importing it builds an
IRI grammar (about 1.5 s of CPU) on every process that loads a data file.
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
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import DataError

_ID = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_]*$", "description": "an identifier: lowercase letters, digits and _"}
_TEXT = {"type": "string", "minLength": 1, "pattern": r"\S"}
_NUMBER = {"type": "number"}
_DATE = {"type": "string", "format": "date", "description": "a date YYYY-MM-DD"}
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
                    "note": _TEXT, "citation": _CITATION, "release_outside_index": {"type": "object"}}},
                "front_end": {"type": "object", "required": ["backends", "measured_on"]},
            }}},
            "lifecycle_rule": {"type": "object", "description": "when a project counts as dormant (showdown_lib.method.lifecycle)"}},
    },
    "criteria": {
        "type": "object", "required": ["rounds", "criteria"],
        "properties": {
            "rounds": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["id", "name", "order"],
                "properties": {"id": _ID, "name": _TEXT,
                               "order": {"type": "integer", "minimum": 1, "description": "the round's position, a whole number from 1"},
                               "opt_in": {"type": "boolean", "description": "scored only by an edition that lists the round in its rounds"}}}},
            "criteria": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["id", "round", "name", "kind"],
                "properties": {
                    "id": _ID, "round": _ID, "name": _TEXT, "question": _TEXT, "rule": _TEXT, "kind": _TEXT,
                    "min": _NUMBER, "max": _NUMBER, "step": {"type": "number", "exclusiveMinimum": 0},
                    "levels": {"type": "object"}, "inputs": {"type": "array"}, "bases": {"type": "object"},
                    "default_basis": _ID, "formula": _TEXT, "when_inactive": {"type": "object"},
                    "weight": {"type": "number", "minimum": 0, "description": "the default weight (0: informative, in no score until weighed)"},
                }}},
            "sensitivity": {"type": "object", "description": "the input-sensitivity check's settings (published_step)"},
        },
    },
    "edition": {
        "type": "object", "required": ["id", "title", "as_of", "kind", "cast", "inputs"], "additionalProperties": False,
        "properties": {
            "id": {"type": ["string", "integer"]}, "title": _TEXT, "as_of": _DATE, "kind": {"enum": ["published", "collected"]},
            "label": {**_TEXT, "description": "how the report names the edition in a sentence or a menu (default: its id); "
                                              "a dated edition (ID@YYYY-MM-DD) adds its date"},
            "cast": {"anyOf": [{"const": "all"}, {"type": "array", "minItems": 1, "uniqueItems": True, "items": _ID}]},
            "n_tiers": {"type": "integer", "minimum": 1, "maximum": 20}, "description": {"type": "string"},
            "based_on": {"type": ["string", "integer"]},
            "rounds": {"type": "array", "minItems": 1, "uniqueItems": True, "items": _ID,
                       "description": "the rounds of criteria.yaml the edition scores (default: all but the opt-in ones)"},
            "inputs": {"type": ["object", "null"], "properties": {
                "curated": {"type": "object", "required": ["set"], "properties": {"set": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$"}}},
                "published_criteria": {"$ref": "#/$defs/published"}, "published_summary": {"$ref": "#/$defs/published"},
            }},
        },
        "$defs": {"published": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$",
                     "description": "the name of a file in the edition's own folder (no path: data stays inside data/raw)"},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "retrieved": _DATE, "as_of": _DATE}}},
    },
    "curated": {
        "type": "object", "required": ["framework", "as_of", "curator", "facts"], "additionalProperties": False,
        "properties": {
            "framework": _ID, "as_of": _DATE, "curator": _TEXT,
            "facts": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["value"], "additionalProperties": False,
                "properties": {"value": {"type": ["number", "string", "null", "boolean"]}, "note": _TEXT, "reason": _TEXT,
                               "citation": {**_CITATION, "type": ["object", "null"]}}}},
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
    import fastjsonschema

    return fastjsonschema.compile(SCHEMAS[name])


def _where(name: str, data: Any, path: list) -> tuple[str | None, str | None]:
    """(entry, field) of a path into ``data``."""
    entry = str(data["id"]) if name == "edition" and isinstance(data, dict) and "id" in data else None
    field_parts, node = [], data
    named = _NAMED_MAPS.get(name, ())
    path = _rejoin(data, path)
    for i, part in enumerate(path):
        if isinstance(node, list) and isinstance(part, str) and part.isdigit():
            part = int(part)
        child = _child(node, part)
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


def _child(node: Any, part: Any) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _rejoin(data: Any, path: list) -> list:
    """The validator's path split at every dot: keys with dots (``observations.csv``) joined back."""
    out, node, i = [], data, 0
    while i < len(path):
        part = path[i]
        if isinstance(node, dict) and part not in node:
            for j in range(i + 1, len(path)):
                joined = ".".join(str(p) for p in path[i:j + 1])
                if joined in node:
                    part, i = joined, j
                    break
        if isinstance(node, list) and isinstance(part, str) and part.isdigit():
            part = int(part)
        out.append(part)
        node = _child(node, part)
        i += 1
    return out


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _checked_copy(data: Any, today: dt.date) -> Any:
    """``data`` with dates as ISO strings, or a DataError-ready (path, problem) for a NaN, an infinity or a future date."""
    def walk(value: Any, where: list) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            raise _Found(where, f"{value!r} is not a finite number")
        if isinstance(value, str) and _ISO_DAY.match(value):  # a date written as text is a date too
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return value  # the schema's format rule names it
        if isinstance(value, dt.date):
            day = value.date() if isinstance(value, dt.datetime) else value
            if day > today:
                raise _Found(where, f"{value} is in the future (today is {today})")
            return value.isoformat()
        if isinstance(value, dict):
            return {k: walk(v, [*where, k]) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, [*where, i]) for i, v in enumerate(value)]
        return value

    return walk(data, [])


class _Found(Exception):
    def __init__(self, where: list, problem: str):
        super().__init__(problem)
        self.where, self.problem = where, problem


def validate(data: Any, name: str, path: str | Path, today: dt.date | None = None) -> Any:
    """``data`` (read from ``path``) checked against the schema ``name``; returned unchanged, or one DataError."""
    import fastjsonschema

    try:
        plain = _checked_copy(data, today or max(dt.date.today(), dt.datetime.now(dt.timezone.utc).date()))
    except _Found as found:
        entry, field = _where(name, data, found.where)
        raise DataError(path, f"{found.problem} (rule: finite numbers and past dates only)", entry, field) from None
    except RecursionError:
        raise DataError(path, "nested too deeply to be a data file of this project") from None
    try:
        _validator(name)(plain)
    except fastjsonschema.JsonSchemaValueException as error:
        raise _error(name, plain, path, error) from None
    return data


def _error(name: str, data: Any, path: str | Path, error) -> DataError:
    where_path = list(error.path[1:])
    entry, field = _where(name, data, where_path)
    where = "the top level" if not where_path else "it"
    definition = error.definition or {}
    if error.rule == "required":
        missing = [k for k in error.rule_definition if not isinstance(error.value, dict) or k not in error.value]
        field = ".".join(p for p in (field, missing[0] if missing else "") if p) or None
        return DataError(path, f"missing required field (rule: required{_wanted(definition)})", entry, field)
    if error.rule == "additionalProperties":
        extra = sorted(set(error.value) - set(definition.get("properties", {})), key=str)
        field = ".".join(p for p in (field, str(extra[0]) if extra else "") if p) or None
        return DataError(path, f"unknown key {extra[0] if extra else '?'!r} in {where} (rule: no unknown keys; allowed: "
                         f"{sorted(definition.get('properties', {}))})", entry, field)
    got = _short(repr(error.value), 80)
    rule = f"{error.rule} {_short(repr(error.rule_definition), 60)}"
    if definition.get("description"):
        return DataError(path, f"{where} must be {definition['description']}, got {got} (rule: {rule})", entry, field)
    return DataError(path, f"{where} {error.message.split(' ', 1)[-1]}, got {got} (rule: {rule})", entry, field)


def _wanted(schema: dict) -> str:
    return f"; {schema['description']}" if schema.get("description") else ""


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
