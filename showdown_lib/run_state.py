"""The pipeline's incremental state: what each step run read, ran with and published, by content.

One JSON file (``.cache/pipeline-state.json``) maps a step run's name (``current:01_support_community``)
to a record: its configuration (parameters, the hash of its notebook's cells or task, the hash of the
library code it imports, the interpreter and package versions), and the sha256 of every file it read and every file it published (``null``
for a declared output that must be absent, such as a figure of a run without figures).

* **Recorded when published.** A step's record is written (the whole file, atomically: a temporary file
  renamed over it) right after that step's outputs are in place, never at the end of the run.
* **Cannot lie.** A step is up to date only when its configuration, the content of every input *and* the
  content of every output are what its record says. A kill after outputs were published but before the
  record was written, a half-published set of outputs or a hand-edited table all differ from the record,
  so the step runs again; its downstream steps then see changed inputs.
* **Corrupt state is discarded.** A state file that is not JSON, empty, or not shaped as above is set
  aside with one line on stderr, and every step runs.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

VERSION = 2


def file_hash(path: Path, memo: dict[Path, str | None] | None = None) -> str | None:
    """sha256 of a file, or None when it does not exist (a folder hashes every file under it)."""
    path = Path(path)
    if memo is not None and path in memo:
        return memo[path]
    try:
        if path.is_dir():
            digest = hashlib.sha256()
            for p in sorted(q for q in path.rglob("*") if q.is_file()):
                digest.update(str(p.relative_to(path)).encode() + b"\0")
                digest.update(hashlib.sha256(p.read_bytes()).digest())
            value: str | None = "dir:" + digest.hexdigest()
        else:
            value = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        value = None
    if memo is not None:
        memo[path] = value
    return value


def _valid_record(record: Any) -> bool:
    if not isinstance(record, dict) or set(record) != {"config", "inputs", "outputs"}:
        return False
    if not isinstance(record["config"], dict):
        return False
    for key in ("inputs", "outputs"):
        files = record[key]
        if not isinstance(files, dict) or not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in files.items()):
            return False
    return True


class RunState:
    """The records of every step run, loaded once and saved after each published step."""

    def __init__(self, path: Path, root: Path, warn=lambda msg: print(msg, file=sys.stderr)) -> None:
        self.path = Path(path)
        self.root = Path(root)
        self._lock = threading.Lock()
        self.records: dict[str, dict] = self._load(warn)

    def _load(self, warn) -> dict[str, dict]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            warn(f"run_all: the pipeline state {self._shown()} cannot be read ({type(exc).__name__}); every step runs.")
            return {}
        try:
            data = json.loads(text)
            ok = isinstance(data, dict) and data.get("version") == VERSION and isinstance(data.get("steps"), dict) \
                and all(isinstance(k, str) and _valid_record(v) for k, v in data["steps"].items())
        except ValueError:
            ok = False
        if not ok:
            warn(f"run_all: the pipeline state {self._shown()} is not a state this version wrote (corrupt, empty "
                 "or another shape); it is discarded and every step runs.")
            return {}
        return dict(data["steps"])

    def _shown(self) -> str:
        try:
            return str(self.path.relative_to(self.root))
        except ValueError:
            return self.path.name

    def _key(self, path: Path) -> str:
        try:
            return str(Path(path).relative_to(self.root))
        except ValueError:
            return str(path)

    # -- checks ------------------------------------------------------------------------------------
    def why_stale(self, name: str, config: dict, inputs: list[Path], outputs: list[tuple[Path, bool]],
                  memo: dict | None = None) -> str | None:
        """None when the step run ``name`` is up to date, else the first reason it is not.

        ``outputs`` are (path, present): a path with ``present`` False must not exist.
        """
        record = self.records.get(name)
        if record is None:
            return "never ran (or its state was lost)"
        if record["config"] != config:
            changed = sorted(k for k in set(config) | set(record["config"]) if config.get(k) != record["config"].get(k))
            return f"its {', '.join(changed)} changed"
        recorded = record["inputs"]
        keys = {self._key(p): p for p in inputs}
        if set(keys) != set(recorded):
            return "the set of files it reads changed"
        for key, path in keys.items():
            if file_hash(path, memo) != recorded[key]:
                return f"{key} changed"
        for path, present in outputs:
            key = self._key(path)
            now = file_hash(path, memo)
            if key not in record["outputs"] or now != record["outputs"][key] or (now is None) == present:
                return f"its output {key} is not the one it published" if now is not None else f"its output {key} is missing"
        return None

    # -- records -----------------------------------------------------------------------------------
    def snapshot_inputs(self, inputs: list[Path]) -> dict[str, str | None]:
        """The input hashes to record, taken before the step runs (an input edited meanwhile re-runs it)."""
        return {self._key(p): file_hash(p) for p in inputs}

    def record(self, name: str, config: dict, inputs: dict[str, str | None], outputs: list[Path]) -> None:
        """Record a step run whose outputs were just published, and save the whole state atomically."""
        entry = {"config": config, "inputs": inputs, "outputs": {self._key(p): file_hash(p) for p in outputs}}
        with self._lock:
            self.records[name] = entry
            self._save()

    def forget(self, name: str) -> None:
        with self._lock:
            if self.records.pop(name, None) is not None:
                self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"version": VERSION, "steps": self.records}, indent=1, sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
