"""The client shared by the push's threads (imports from one, stock from another) on the real clock:
one token for all of them, and the inventory rate kept across threads."""

import threading

from integrations.sandbox.clock import RealClock
from integrations.sandbox.seed import catalog
from integrations.sandbox.transport import SandboxTransport
from integrations.zettle.client import ZettleClient
from integrations.zettle.sandbox import ZettleSandbox


def test_threads_share_one_token_and_never_exceed_the_inventory_rate():
    sandbox = ZettleSandbox(clock=RealClock())
    account = sandbox.create_account()
    sandbox.seed(account["account"], catalog(3, variants=1))
    client = ZettleClient(api_key=account["credentials"]["api_key"], client_id=account["credentials"]["client_id"],
                          base_url=account["settings"]["base_url"], transport=SandboxTransport(sandbox))
    client.locations()  # the inventories, read once before the threads start (as the push does)
    errors = []

    def work():
        try:
            for _ in range(3):
                client.store_balances()  # inventory: rate limited
                assert len(list(client.iter_products())) == 3  # products: no limit, in between
        except Exception as exc:  # reported below with the thread's failure
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(sandbox.calls(path_contains="/oauth/token")) == 1
    inventory = [r for r in sandbox.calls(path_contains="/inventory/")]
    assert len(inventory) == 1 + 9 and all(r.status == 200 for r in inventory)
    times = sorted(r.at for r in inventory)
    assert all(times[i + 4] - times[i] >= 1.0 for i in range(len(times) - 4))
