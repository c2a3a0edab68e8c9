"""The measured OOTB-ops probe: which ops of the 32-op sample each framework really ships.

The 2018 post counted out-of-the-box layers, losses and optimisers by reading documentation.
This probe measures the same thing against live code: each framework is installed with pip into
its own virtual environment and a small standard-library script (:mod:`.checker`) imports it
there, resolves each op's candidate API paths and, where declared, calls them on a tiny input.

* :mod:`.spec` reads and validates ``data/raw/ootb_ops.yaml`` (the sample) and
  ``data/raw/ootb_ops_api.yaml`` (per framework: requirements, env, candidate APIs, smoke calls).
* :mod:`.checker` runs inside the framework's venv and prints JSON results.
* :mod:`.runner` creates the venvs, installs, runs the checker and returns a ``SourceResult``.
* ``python -m showdown_lib.ops_probe --framework pytorch jax --venv-root PATH [--as-of DATE]``
  writes the snapshot ``data/raw/snapshots/ops_probe/<as_of>/``.
"""
from .runner import default_venv_root, install_framework, probe, run_checker
from .spec import FrameworkSpec, OpSample, OpSpec, checker_payload, load_api_spec, load_sample

__all__ = [
    "FrameworkSpec",
    "OpSample",
    "OpSpec",
    "checker_payload",
    "default_venv_root",
    "install_framework",
    "load_api_spec",
    "load_sample",
    "probe",
    "run_checker",
]
