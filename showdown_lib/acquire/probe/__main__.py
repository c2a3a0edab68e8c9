"""Command line: probe frameworks and write the ``ops_probe`` snapshot.

    python -m showdown_lib.acquire.probe --framework pytorch jax --venv-root PATH [--as-of DATE] [--no-install]
    python -m showdown_lib.acquire.probe --suite modern --framework pytorch jax tensorflow --venv-root PATH --as-of DATE

The venv root defaults to ``$SHOWDOWN_PROBE_VENVS`` or a folder in the user's cache directory.
Each framework installs the newest final release on the configured package index as of the date.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..snapshots import write_snapshot
from .runner import default_venv_root, probe
from .spec import load_api_spec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m showdown_lib.acquire.probe", description=__doc__.splitlines()[0])
    ap.add_argument("--framework", nargs="+", help="framework ids (default: every entry of ootb_ops_api.yaml)")
    ap.add_argument("--venv-root", type=Path, default=None, help="folder for the per-framework venvs (outside the repo)")
    ap.add_argument("--as-of", default=None, help="snapshot date YYYY-MM-DD (default today)")
    ap.add_argument("--no-install", action="store_true", help="reuse existing venvs without running pip")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed for one framework's pip install")
    ap.add_argument("--dry-run", action="store_true", help="print the summary, do not write the snapshot")
    ap.add_argument("--suite", choices=("ops", "modern"), default="ops",
                    help="ops: the op sample and the four further checks (snapshot ops_probe); modern: compiler, scale-out, "
                         "deployment and CPU speed (snapshot modern_probe, frameworks of probe_modern.yaml by default)")
    args = ap.parse_args(argv)
    venv_root = args.venv_root or default_venv_root()
    if args.suite == "modern":
        return _modern(args, venv_root)
    frameworks = args.framework or list(load_api_spec())
    result = probe(frameworks, venv_root=venv_root, install=not args.no_install, timeout=args.timeout, as_of=args.as_of,
                   progress=lambda m: print(m, file=sys.stderr, flush=True))
    shown = ("attempted", "framework_version", "ootb_ops", "graph_building", "onnx_support", "scalability", "numerics_coverage")
    table: dict[str, dict[str, str]] = {}
    for o in result.observations:
        if o.metric in shown:
            table.setdefault(o.framework, {})[o.metric] = str(o.value) if o.status == "ok" else "-"
    print(f"{'framework':14s} " + " ".join(f"{m[:12]:>12s}" for m in shown))
    for fw, row in table.items():
        print(f"{fw:14s} " + " ".join(f"{row.get(m, '-')[:12]:>12s}" for m in shown))
    if not args.dry_run:
        target = write_snapshot(result)
        print(f"wrote {target.name} snapshot of {result.source} ({len(result.observations)} observations)")
    return 0


def _keep_others(result, ids: list[str]):
    """Probing some frameworks keeps the other frameworks' rows (and provenance) of the snapshot of the same date."""
    from ...core.fileio import read_json
    from ..collect import merge_with_previous
    from ..snapshots import snapshot_path

    prov = snapshot_path(result.source, result.as_of) / "provenance.json"
    before = read_json(prov).get("extra", {}).get("frameworks", {}) if prov.exists() else {}
    result = merge_with_previous(result, ids)
    frameworks = {**{k: v for k, v in before.items() if k not in ids}, **result.extra.get("frameworks", {})}
    result.extra = {**result.extra, "frameworks": dict(sorted(frameworks.items()))}
    return result


def _modern(args, venv_root: Path) -> int:
    from .modern import load_modern_spec, probe_modern

    ids = args.framework or list(load_modern_spec())
    result = probe_modern(ids, venv_root=venv_root, install=not args.no_install,
                          timeout=args.timeout, as_of=args.as_of, progress=lambda m: print(m, file=sys.stderr, flush=True))
    result = _keep_others(result, ids)
    for o in result.observations:
        print(f"{o.framework:14s} {o.metric:18s} {o.value if o.status == 'ok' else '- ' + o.reason[:80]}")
    if not args.dry_run:
        target = write_snapshot(result)
        print(f"wrote {target.name} snapshot of {result.source} ({len(result.observations)} observations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
