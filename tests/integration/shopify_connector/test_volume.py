"""How many calls the Shopify product connector makes: writes in batches of ``write_batch_size``, reads in
pages as large as the query cost allows, searches OR-ed."""

import math
from dataclasses import replace

from integrations.shopify.connector import FIND_TERMS
from integrations.shopify.connector_writes import DELETE_PER_REQUEST, PRODUCT_SET_PER_REQUEST
from tests.integration.shopify_connector.conftest import ALL_FIELDS, graphql_calls, hub_product


def batches(items, size):
    return [items[start:start + size] for start in range(0, len(items), size)]


def test_creates_updates_and_deletes_of_a_hundred_products_in_batches(sandbox, connector):
    connector.prepare(role="target")
    products = [hub_product(n, variants=2) for n in range(100)]
    results = [r for batch in batches(products, connector.write_batch_size)
               for r in connector.create_products(products=batch, fields=ALL_FIELDS)]
    assert connector.write_batch_size == PRODUCT_SET_PER_REQUEST
    assert connector.call_stats()["write"] == math.ceil(100 / PRODUCT_SET_PER_REQUEST)
    before = connector.call_stats()
    updates = [replace(p, external_id=r.external_id, title=p.title + " v2") for p, r in zip(products, results,
                                                                                           strict=True)]
    for batch in batches(updates, connector.write_batch_size):
        assert all(r.ok for r in connector.update_products(products=batch, fields=frozenset({"name"})))
    after = connector.call_stats()
    assert after["write"] - before["write"] == math.ceil(100 / PRODUCT_SET_PER_REQUEST)
    assert after["read"] == before["read"]  # a name-only update reads nothing first
    connector.delete_products(external_ids=[r.external_id for r in results])
    assert connector.call_stats()["write"] - after["write"] == math.ceil(100 / DELETE_PER_REQUEST)


def test_a_variant_update_reads_its_batch_first_in_few_requests(connector):
    products = [hub_product(n, variants=3) for n in range(PRODUCT_SET_PER_REQUEST)]
    results = connector.create_products(products=products, fields=ALL_FIELDS)
    before = connector.call_stats()
    updates = [replace(p, external_id=r.external_id) for p, r in zip(products, results, strict=True)]
    assert all(r.ok for r in connector.update_products(products=updates, fields=ALL_FIELDS))
    after = connector.call_stats()
    assert after["write"] - before["write"] == 1
    assert 1 <= after["read"] - before["read"] <= 3


def test_a_full_read_takes_pages_within_the_cost_limit(sandbox, account, connector):
    connector.create_products(products=[hub_product(n, variants=2) for n in range(60)], fields=ALL_FIELDS)
    assert len(list(connector.iter_products())) == 60
    queries = [r.json() for r in graphql_calls(sandbox, "query") if "products(" in r.json()["query"]]
    size = queries[0]["variables"]["first"]
    assert 10 <= size <= 250 and len(queries) == math.ceil(60 / size)
    assert all(r.status == 200 for r in graphql_calls(sandbox))


def test_find_ors_the_skus_into_few_searches(sandbox, connector):
    products = [hub_product(n, variants=1) for n in range(60)]
    connector.create_products(products=products[:25], fields=ALL_FIELDS)
    connector.create_products(products=products[25:50], fields=ALL_FIELDS)
    before = len(graphql_calls(sandbox, "query"))
    found = connector.find_products(skus={p.variants[0].sku for p in products}, barcodes=set())
    assert len(found) == 50
    searches = [r for r in graphql_calls(sandbox, "query")[before:] if "productVariants(" in r.json()["query"]]
    assert len(searches) == math.ceil(60 / FIND_TERMS)
