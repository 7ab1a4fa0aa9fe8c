"""Helpers behind the Accelerating Python notebooks.

Shared machinery: :mod:`helpers.machine` (CPUs, start method), :mod:`helpers.timing`,
:mod:`helpers.tracing` (spans and CPU load), :mod:`helpers.plots`, :mod:`helpers.scripts`
(fresh interpreters), :mod:`helpers.checks` (``expect``, ``show``) and
:mod:`helpers.course.collection` (the notebooks themselves). One module per notebook holds the code
its worker processes import, e.g. :mod:`helpers.gil` for ``02_gil.ipynb``.
"""
