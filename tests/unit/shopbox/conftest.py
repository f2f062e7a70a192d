from tests.unit.shopbox.support import account, client, clock, make_client, sandbox  # noqa: F401
