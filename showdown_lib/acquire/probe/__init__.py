"""The measured OOTB-ops probe: which ops of the 32-op sample each framework really ships.

The 2018 post counted out-of-the-box layers, losses and optimisers by reading documentation.
This probe measures the same thing against live code: each framework is installed with pip into
its own virtual environment and a small standard-library script (:mod:`.checker`) imports it
there, resolves each op's candidate API paths and, where declared, calls them on a tiny input.

* :mod:`.spec` reads and validates ``data/raw/ootb_ops.yaml`` (the sample) and
  ``data/raw/ootb_ops_api.yaml`` (per framework: requirements, env, candidate APIs, smoke calls).
* :mod:`.checker` runs inside the framework's venv and prints JSON results.
* :mod:`.checks_spec` reads ``data/raw/probe_checks.yaml`` (per framework: exporter, collective API,
  array namespace) and ``data/raw/probe_numpy_sample.yaml`` (the NumPy functions of the numerics check).
* :mod:`.probe_checks` runs inside the venv too: graph building, ONNX round trip, the collective API
  and a 2-process all-reduce, NumPy coverage; :mod:`.observe` turns its JSON into metrics.
* :mod:`.versions` resolves the newest final release as of the edition date from the package index.
* :mod:`.runner` creates the venvs, installs, runs both checkers and returns a ``SourceResult``.
* ``python -m showdown_lib.acquire.probe --framework pytorch jax --venv-root PATH [--as-of DATE]``
  writes the snapshot ``data/raw/snapshots/ops_probe/<as_of>/``.
"""
from .checks_spec import load_checks_spec, load_numpy_sample
from .observe import CHECK_METRICS
from .runner import default_venv_root, install_framework, probe, run_checker
from .spec import FrameworkSpec, OpSample, OpSpec, checker_payload, load_api_spec, load_sample

__all__ = [
    "CHECK_METRICS",
    "FrameworkSpec",
    "OpSample",
    "OpSpec",
    "checker_payload",
    "default_venv_root",
    "install_framework",
    "load_api_spec",
    "load_checks_spec",
    "load_numpy_sample",
    "load_sample",
    "probe",
    "run_checker",
]
