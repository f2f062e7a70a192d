"""Benchmarks run by ``manage.py bench``: the sandboxes served from a separate process
(``serve``, ``process``), and one module per benchmark (``sync``; ``stock`` to come)."""
