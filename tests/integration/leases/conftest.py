"""A controllable clock for Django's time, and the in-process shops of the sync tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.integration.stock import conftest as stock
from tests.integration.zettle_bigcommerce import conftest as zb

clock, bc, zettle, shop_factory = zb.clock, zb.bc, zb.zettle, zb.shop_factory
stock_shop = stock.stock_shop


class DjangoClock:
    """``django.utils.timezone.now`` moved on by ``advance`` (what every service, sweeper and
    ``auto_now`` field reads); no sleeping."""

    def __init__(self, monkeypatch):
        self.offset = timedelta()
        real = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real() + self.offset)

    def advance(self, seconds):
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def django_clock(monkeypatch):
    return DjangoClock(monkeypatch)


class WorkerDied(BaseException):  # noqa: N818 - what a SIGKILL looks like from inside: nothing catches it
    """Raised in the middle of a pass: no except clause, no finish, as when the process is killed."""
