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
    assert calls[("POST", "/v2/inventory/bulk")] == 10  # START_TRACKING and the movements together, 100 products each
    assert [len(r.json()["productChanges"]) for r in api_calls(sandbox, "/v2/inventory/bulk")] == [100] * 10
    assert all(c["trackingStatusChange"] == "START_TRACKING" and c["variantChanges"]
               for r in api_calls(sandbox, "/v2/inventory/bulk") for c in r.json()["productChanges"])
    assert calls.get(("POST", "/inventory/products"), 0) == 0  # new products: no balances to read first
    assert calls[("GET", "/locations")] == 1
    stats = connector.call_stats()
    assert stats["write"] == 2 + 10 and stats["auth"] == 1
    assert calls[("GET", "/import/status")] == 4  # each import: IMPORTING, then FINISHED_SUCCESS 2 s later
    assert stats["read"] == 4 + 1
    with capsys.disabled():
        print(f"\nzettle: 1,000 products x 3 variants: {stats}; by call: {dict(calls)}")
