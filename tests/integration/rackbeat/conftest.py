from tests.unit.rackbeat.support import account, client, clock, make_client, sandbox  # noqa: F401
