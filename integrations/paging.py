"""Streams cut into pages: a catalog or a list of stock levels is handled a page (or an API batch) at a time."""

from itertools import islice


def pages(iterable, size):
    """Lists of up to ``size`` items of ``iterable``, read lazily."""
    iterator = iter(iterable)
    while page := list(islice(iterator, size)):
        yield page
