"""Check, inside one framework's own environment, which ops of the sample its real API offers.

This file is run by the framework's interpreter, not by Showdown's: either as a file path
(``<venv>/bin/python -I checker.py``) or as ``python -m showdown_lib.acquire.probe.checker`` where the
package is importable. It imports nothing but the standard library and the framework itself.

Input (JSON on stdin), one framework::

    {"framework": "pytorch", "module": "torch", "distribution": "torch",
     "also_report": ["numpy"], "setup": "import torch\\nx = torch.randn(2, 4)",
     "ops": [{"id": "dense",
              "candidates": [{"api": "torch.nn.Linear", "smoke": "f(4, 3)(x)"}],
              "compose": null, "note": null}, ...]}

Method, per op:

1. Each candidate dotted path is resolved against the live module tree: import the leading
   module, walk the attributes, importing a submodule when an attribute is not yet loaded.
2. The object must be callable. If the candidate (or the op) has a smoke snippet, it is run with
   the resolved object bound to ``f`` in the namespace the framework's ``setup`` snippet built
   (small inputs such as ``x``). The snippet must force evaluation for lazy frameworks.
3. The first candidate that resolves and passes its smoke run makes the op ``present`` (1 point).
4. Otherwise, if a ``compose`` snippet is given and runs, the op is ``composed`` (0.5 point):
   the op is not shipped but is a line or two of public ops.
5. Otherwise the op is ``absent`` (0) and the reason says what failed for each candidate
   (attribute missing, not callable, smoke call raised ...).

Each snippet runs under a wall-clock alarm. Output (JSON on the original stdout; anything the
framework prints goes to stderr): the framework version (``__version__`` or the installed
distribution's metadata), versions of ``also_report`` distributions, and one row per op with
status, points, the API path that matched and the reason.
"""
from __future__ import annotations

import importlib
import json
import os
import platform
import signal
import sys

SNIPPET_SECONDS = 120
_MAX_REASON = 300


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):  # pragma: no cover - only fires on a hung snippet
    raise _Timeout(f"took longer than {SNIPPET_SECONDS} s")


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 3] + "..."


def _run(code: str, namespace: dict) -> None:
    """Run a snippet (statements or an expression) under the alarm."""
    compiled = compile(code, "<snippet>", "exec")
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.alarm(SNIPPET_SECONDS)
    try:
        exec(compiled, namespace)
    finally:
        if hasattr(signal, "SIGALRM"):
            signal.alarm(0)


def resolve(path: str):
    """Resolve ``pkg.sub.Name`` to the live object; raises AttributeError/ImportError saying which part is missing."""
    parts = path.split(".")
    obj = importlib.import_module(parts[0])
    prefix = parts[0]
    for part in parts[1:]:
        if hasattr(obj, part):
            obj = getattr(obj, part)
        else:
            try:
                obj = importlib.import_module(f"{prefix}.{part}")
            except ModuleNotFoundError:
                raise AttributeError(f"attribute missing: no {part!r} in {prefix}") from None
        prefix = f"{prefix}.{part}"
    return obj


def _version(module, distribution: str | None) -> str | None:
    v = getattr(module, "__version__", None)
    if isinstance(v, str) and v:
        return v
    return _dist_version(distribution) if distribution else None


def _dist_version(name: str) -> str | None:
    try:
        from importlib import metadata

        return metadata.version(name)
    except Exception:
        return None


def check_op(op: dict, base: dict) -> dict:
    """Score one op; ``base`` is the namespace built by the setup snippet (never modified)."""
    reasons: list[str] = []
    for cand in op.get("candidates") or []:
        api = cand["api"]
        try:
            obj = resolve(api)
        except Exception as exc:
            msg = str(exc) if isinstance(exc, AttributeError) and str(exc).startswith("attribute missing") else _short(exc)
            reasons.append(f"{api}: {msg}")
            continue
        if not callable(obj):
            reasons.append(f"{api}: not callable ({type(obj).__name__})")
            continue
        smoke = cand.get("smoke")
        if smoke:
            ns = dict(base)
            ns["f"] = obj
            try:
                _run(smoke, ns)
            except BaseException as exc:  # a smoke call may raise anything, including SystemExit
                if isinstance(exc, KeyboardInterrupt):
                    raise
                reasons.append(f"{api}: smoke call raised {_short(exc)}")
                continue
        return {"id": op["id"], "status": "present", "points": 1.0, "api": api, "reason": ""}
    compose = op.get("compose")
    if compose:
        ns = dict(base)
        try:
            _run(compose, ns)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            reasons.append(f"compose raised {_short(exc)}")
        else:
            why = op.get("note") or "not shipped; composed from public ops"
            if reasons:
                why += " (" + "; ".join(reasons) + ")"
            return {"id": op["id"], "status": "composed", "points": 0.5, "api": "compose", "reason": why}
    if not reasons:
        reasons.append(op.get("note") or "no candidate API declared")
    elif op.get("note"):
        reasons.append(op["note"])
    return {"id": op["id"], "status": "absent", "points": 0.0, "api": "", "reason": "; ".join(reasons)}


def check(spec: dict) -> dict:
    """Import the framework, run its setup and check every op; never raises for framework errors."""
    out = {
        "framework": spec.get("framework"),
        "module": spec["module"],
        "python": platform.python_version(),
        "framework_version": None,
        "versions": {},
        "import_error": None,
        "setup_error": None,
        "ops": [],
        "points": None,
        "n_ops": len(spec.get("ops") or []),
    }
    try:
        module = importlib.import_module(spec["module"])
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        out["import_error"] = _short(exc)
        return out
    out["framework_version"] = _version(module, spec.get("distribution"))
    for name in spec.get("also_report") or []:
        out["versions"][name] = _dist_version(name)
    base: dict = {"__name__": "__ops_probe__"}
    try:
        _run(spec.get("setup") or "", base)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        out["setup_error"] = _short(exc)
        return out
    for op in spec.get("ops") or []:
        out["ops"].append(check_op(op, base))
    out["points"] = sum(r["points"] for r in out["ops"])
    return out


def main() -> int:
    spec = json.loads(sys.stdin.read())
    # Keep the real stdout for the result; whatever the framework prints (Python or C level) goes to stderr.
    sys.stdout.flush()
    result_fd = os.dup(1)
    os.dup2(2, 1)
    try:
        result = check(spec)
    finally:
        sys.stdout.flush()
    with os.fdopen(result_fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(result))
        fh.write("\n")
        fh.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
