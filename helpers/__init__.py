"""Helpers behind the Accelerating Python notebooks.

Shared machinery: :mod:`helpers.machine` (CPUs, start method), :mod:`helpers.timing`,
:mod:`helpers.tracing` (spans and CPU load), :mod:`helpers.plots`, :mod:`helpers.scripts`
(fresh interpreters), :mod:`helpers.checks` (``expect``, ``show``) and
:mod:`helpers.course.collection` (the notebooks themselves). One folder per notebook holds its own
code, e.g. :mod:`helpers.pools` for ``03_pools.ipynb`` (what its worker processes import is in
its ``workers.py``); :mod:`helpers.tasks` holds the article's tasks that several share.
"""
