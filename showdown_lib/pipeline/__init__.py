"""The pipeline: the step table (:mod:`.steps`, ``notebooks/steps.yaml``), what a step opens (:mod:`.step_context`),
the runner (:mod:`.runner`) with its order, state and processes.

The runner calls the presenters and the site only by the names ``steps.yaml`` gives (a notebook, or a task
``showdown_lib.MODULE:FUNCTION``), never by an import.
"""
