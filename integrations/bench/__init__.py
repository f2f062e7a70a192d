"""Benchmarks run by ``manage.py bench``: the sandboxes served from a separate process (``serve``, with
its control surface ``control`` and webhook delivery ``deliver``; ``process`` starts and stops it and
Flyt's own processes), and one module per benchmark (``sync``; ``stock``, a package)."""
