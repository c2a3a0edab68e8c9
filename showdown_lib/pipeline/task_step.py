"""``python -m showdown_lib.pipeline.task_step NAME --params JSON``: run one plain Python step of the step table.

The runner (:mod:`showdown_lib.pipeline.step_exec`) starts this process for a step whose table entry names a
``task: showdown_lib.MODULE:FUNCTION`` instead of a notebook. It opens the step like a notebook does
(:func:`showdown_lib.pipeline.step_context.open_step`: declared reads only, staged writes), calls
``FUNCTION(step, **parameters)`` and publishes. A failure is one line on stderr and exit 1; the process
ends with its run (:func:`showdown_lib.pipeline.kernel_launcher.die_with_parent`).
"""
from __future__ import annotations

import importlib
import json
import sys


def main(argv: list[str] | None = None) -> int:
    from .kernel_launcher import die_with_parent

    die_with_parent()
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3 or argv[1] != "--params":
        print("usage: python -m showdown_lib.pipeline.task_step NAME --params JSON", file=sys.stderr)
        return 2
    name, params = argv[0], json.loads(argv[2])
    from ..core.errors import ShowdownError
    from ..core.fileio import set_read_guard
    from .step_context import open_step
    from .steps import load_steps

    try:
        step = load_steps().step(name)
        module, function = step.task.split(":", 1)
        edition = params.pop("edition", None)
        opened = open_step(step.name, edition=edition, **params)
        getattr(importlib.import_module(module), function)(opened, **{k: v for k, v in params.items() if k in step.parameters})
        print(opened.publish())
    except KeyboardInterrupt:
        return 130
    except ShowdownError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        set_read_guard(None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
