from tests.unit.bigcommerce.support import client, clock, http, sandbox, store  # noqa: F401
