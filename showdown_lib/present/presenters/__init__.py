"""What the notebooks call: one presenter module per notebook, each a thin layer over the library.

A notebook opens its step (:func:`showdown_lib.pipeline.step_context.open_step`), builds its presenter from
it, and calls one method per table, chart or computed paragraph. Presenters read only what the
step declares and write through it; sentences come from :mod:`showdown_lib.present.narrative`.
"""
