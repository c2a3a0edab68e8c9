"""A synthetic cast of N frameworks: a scratch copy of the project whose edition ``current`` scores N.

Edition ``current`` takes every framework of the registry (``cast: all``), so the copy's registry gets
N - 18 made-up frameworks (``synth001`` ...), each modelled on one of the active frameworks: for every
curated fact the value of a randomly drawn active framework (so values stay on the criterion's
scale and the scores spread), and the template's rows in every snapshot table that has a
``framework`` column (package-index releases, probe results, git rows; the template's own
package-index projects renamed after the made-up framework, so every table's key stays unique), with the
snapshot's checksums recomputed; the curated set ``_set.yaml`` lists the made-up frameworks too. Nothing is written to the project itself; the made-up frameworks exist only in
the scratch copy, and they carry no registry colour, so the palette has to give them their own.

    .venv/bin/python benchmarks/synthetic_cast.py OUT_DIR [--n 100] [--seed 0]

``benchmarks/bench_cast.py`` runs every step on such a copy against the real 18-framework cast.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


#: What a run reads from the project besides the library: its data, its notebooks, the package
#: metadata and the citation the site quotes.
SCRATCH_TREES = ("data", "notebooks")
SCRATCH_FILES = ("pyproject.toml", "CITATION.cff")


def scratch_copy(dest: Path) -> Path:
    """What a run reads (``SCRATCH_TREES``, ``SCRATCH_FILES``) copied under ``dest`` (replaced)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for tree in SCRATCH_TREES:
        shutil.copytree(ROOT / tree, dest / tree)
    for name in SCRATCH_FILES:
        shutil.copy(ROOT / name, dest / name)
    return dest


def _copy_rows(csv_path: Path, mapping: dict[str, str], projects: dict[str, dict[str, str]]) -> None:
    """Append, for every made-up framework, the template's rows of a table with a ``framework`` column.

    A ``project`` that is one of the template's own package-index projects becomes the made-up
    framework's (``projects[new]``), so keys such as framework/project/version stay unique; other
    projects (the packages a probe installed beside it) keep their names.
    """
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        rows = list(reader)
    if "framework" not in fields:
        return
    by_fw: dict[str, list[dict]] = {}
    for row in rows:
        by_fw.setdefault(row["framework"], []).append(row)
    added = []
    for new, template in mapping.items():
        for row in by_fw.get(template, []):
            row = dict(row, framework=new)
            if row.get("project") in projects[new]:
                row["project"] = projects[new][row["project"]]
            added.append(row)
    with csv_path.open("a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, fieldnames=fields, lineterminator="\n").writerows(added)


def _reseal(folder: Path) -> None:
    from showdown_lib.acquire.snapshots import file_checksums

    prov_path = folder / "provenance.json"
    prov = json.loads(prov_path.read_text(encoding="utf-8"))
    if "checksums" in prov:
        prov["checksums"] = file_checksums(folder)
        prov_path.write_text(json.dumps(prov, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _add_to_set(set_path: Path, ids: list[str]) -> None:
    """The curated set lists every framework it has a file of: the made-up ones join it."""
    if not set_path.exists():
        return
    text = set_path.read_text(encoding="utf-8")
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    doc = yaml.safe_load(text)
    doc["frameworks"] = list(doc["frameworks"]) + ids
    set_path.write_text(header + yaml.safe_dump(doc, sort_keys=False, default_flow_style=None), encoding="utf-8")


def make_cast(root: Path, n: int = 100, seed: int = 0) -> list[str]:
    """Add ``n`` minus the registry's size made-up frameworks to the project copy at ``root``; their ids."""
    rng = random.Random(seed)
    reg_path = root / "data" / "raw" / "frameworks.yaml"
    header = "".join(line for line in reg_path.read_text(encoding="utf-8").splitlines(keepends=True) if line.startswith("#"))
    registry = yaml.safe_load(reg_path.read_text(encoding="utf-8"))
    entries = registry["frameworks"]
    active = [e for e in entries if e.get("lifecycle", {}).get("status", "active") == "active"]
    curated = root / "data" / "raw" / "curated" / "current"
    facts = {e["id"]: yaml.safe_load((curated / f"{e['id']}.yaml").read_text(encoding="utf-8")) for e in active
             if (curated / f"{e['id']}.yaml").exists()}
    mapping: dict[str, str] = {}
    projects: dict[str, dict[str, str]] = {}
    for k in range(1, n - len(entries) + 1):
        template = active[(k - 1) % len(active)]
        new_id = f"synth{k:03d}"
        mapping[new_id] = template["id"]
        own = template.get("pypi") or []
        projects[new_id] = {p: new_id if i == 0 else f"{new_id}-{p.lower()}" for i, p in enumerate(own)}
        entry = {key: value for key, value in template.items() if key not in ("color", "note", "github_query")}
        entry.update(id=new_id, name=f"Synth {k:03d} ({template['name']}-like)", association="synthetic cast",
                     repositories=[{"url": f"https://github.com/synthetic/{new_id}"}], pypi=list(projects[new_id].values()), so_tags=[])
        entries.append(entry)
        doc = json.loads(json.dumps(facts[template["id"]], default=str))
        doc["framework"] = new_id
        for name, fact in doc.get("facts", {}).items():
            donor = facts[rng.choice(sorted(facts))].get("facts", {}).get(name)
            if isinstance(fact, dict) and isinstance(donor, dict) and "value" in donor:
                doc["facts"][name] = json.loads(json.dumps(donor, default=str))  # the whole fact: a null value keeps its reason
        (curated / f"{new_id}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    reg_path.write_text(header + yaml.safe_dump(registry, sort_keys=False, allow_unicode=True), encoding="utf-8")
    _add_to_set(curated / "_set.yaml", sorted(mapping))
    for folder in sorted((root / "data" / "raw" / "snapshots").glob("*/*")):
        if folder.is_dir():
            for table in sorted(folder.glob("*.csv")):
                _copy_rows(table, mapping, projects)
            _reseal(folder)
    return sorted(mapping)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the scratch project (replaced)")
    parser.add_argument("--n", type=int, default=100, help="frameworks in edition current (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    root = scratch_copy(args.out)
    added = make_cast(root, args.n, args.seed)
    print(f"{root}: edition current has {args.n} frameworks ({len(added)} made up); run it with SHOWDOWN_ROOT={root}")


if __name__ == "__main__":
    main()
