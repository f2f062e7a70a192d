"""1,000 products with 3 variants each, created through the connector in engine-sized batches: the
number of calls Zettle sees (imports, polls, stock), counted by the sandbox and by the client."""

from collections import Counter

from tests.integration.zettle.conftest import api_calls
from tests.integration.zettle_connector.conftest import ALL_FIELDS, hub_product


def test_creating_1000_products_with_3_variants(sandbox, org, connector, capsys):
    products = [hub_product(n) for n in range(1, 1001)]
    results = []
    for start in range(0, len(products), connector.write_batch_size):  # as the engine batches
        results += connector.create_products(products=products[start:start + connector.write_batch_size],
                                             fields=ALL_FIELDS)
    assert all(r.ok for r in results) and len({r.external_id for r in results}) == 1000
    assert sum(len(r.variant_ids) for r in results) == 3000
    assert len(org["products"]) == 1000 and len(org["tracked"]) == 1000
    assert sum(org["balances"]["STORE"].values()) == 1000 * (5 + 6 + 7)

    calls = Counter((r.method, r.path.split("/organizations/self", 1)[-1].rsplit("/", 1)[0]
                     if "/import/status/" in r.path else r.path.split("/organizations/self", 1)[-1])
                    for r in api_calls(sandbox))
    assert [len(r.json()["products"]) for r in api_calls(sandbox, "/import/v2")] == [500, 500]
    # Inventory v3: tracking switched on for 500 products a call, then 500 movements a call
    tracking = [r.json() for r in api_calls(sandbox, "/inventory/v3/products")]
    assert [len(body) for body in tracking] == [500, 500]
    assert all(row["tracking"] == "enable" for body in tracking for row in body)
    movements = [r.json()["movements"] for r in api_calls(sandbox, "/inventory/v3/movements")]
    assert [len(m) for m in movements] == [500] * 6
    assert all(m["change"] in (5, 6, 7) for batch in movements for m in batch)
    assert not api_calls(sandbox, "/inventory/v3/stock")  # new products: no balances to read first
    assert calls[("GET", "/inventory/v3/inventories")] == 1
    assert {path for _, path in calls if path.startswith("/inventory/")} == {
        "/inventory/v3/inventories", "/inventory/v3/products", "/inventory/v3/movements"}
    stats = connector.call_stats()
    assert stats["write"] == 2 + 2 + 6 and stats["auth"] == 1
    assert calls[("GET", "/import/status")] == 4  # each import: IMPORTING, then FINISHED_SUCCESS 2 s later
    assert stats["read"] == 4 + 1
    with capsys.disabled():
        print(f"\nzettle: 1,000 products x 3 variants: {stats}; by call: {dict(calls)}")
