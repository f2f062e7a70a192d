import math

from integrations.sandbox.seed import catalog
from integrations.shopbox import client as shopbox_client
from integrations.shopbox import mapping
from integrations.shopbox.polling import change_key, changes_since


def test_a_full_read_of_1000_products_with_variants_takes_the_minimum_number_of_requests(sandbox, account, client):
    sandbox.seed(account["account"], catalog(1000, variants=3))
    products = [mapping.product_to_external(p) for p in client.iter_products()]
    assert len(products) == 1000 and sum(len(p.variants) for p in products) == 3000
    pages = math.ceil(1000 / shopbox_client.PER_PAGE)
    assert len(sandbox.calls("GET", "/products")) == pages == 10
    assert len(sandbox.requests) == pages + 1  # and one login


def test_a_pushed_catalog_reads_back_the_same(sandbox, account, client):
    source = sandbox.create_account()
    sandbox.seed(source["account"], catalog(5, variants=2, prefix="SRC"))
    hub = [mapping.product_to_external(p) for p in sandbox.state["accounts"][source["account"]]["products"].values()]
    for product in hub:
        for variant in product.variants:
            variant.external_id = ""
    client.upsert_products(products=[mapping.product_from_external(p) for p in hub])
    back = sorted((mapping.product_to_external(p) for p in client.iter_products()), key=lambda p: p.title)
    assert [(p.title, [(v.sku, v.price, v.option_values) for v in p.variants]) for p in back] == [
        (p.title, [(v.sku, v.price, v.option_values) for v in p.variants]) for p in sorted(hub, key=lambda p: p.title)]


def test_polling_finds_sales_stock_and_product_edits_since_the_watermark(sandbox, account, client, clock):
    sandbox.seed(account["account"], catalog(3))
    first, watermark = changes_since(client=client, watermark=None)
    assert {c.kind for c in first} == {"product", "stock"} and len(first) == 6
    clock.advance(30)
    basket = sandbox.sell(account["account"], "FLY-000002", 1)
    sandbox.admin_update_product(account["account"], "FLY-000003", name="Renamed")
    clock.advance(30)
    changes, watermark2 = changes_since(client=client, watermark=watermark)
    fresh = {(c.kind, c.action, c.external_id) for c in changes if c.occurred_at > watermark}
    line = basket["lines"][0]
    renamed = next(p for p in client.iter_products() if p["name"] == "Renamed")
    assert fresh == {("order", "created", basket["uid"]), ("stock", "updated", str(line["variant_id"])),
                     ("product", "updated", str(renamed["id"]))}
    assert watermark2 > watermark
    sandbox.cancel(account["account"], basket["uid"])
    changes, _ = changes_since(client=client, watermark=watermark2)
    cancelled = [c for c in changes if c.kind == "order"]
    assert [(c.action, c.data["canceled"]) for c in cancelled] == [("updated", True)]
    assert len({change_key(c) for c in changes}) == len(changes)


def test_polling_twice_at_the_same_watermark_gives_the_same_keys(sandbox, account, client):
    sandbox.seed(account["account"], catalog(2))
    sandbox.sell(account["account"], "FLY-000001", 2)
    a, mark = changes_since(client=client, watermark=None)
    b, _ = changes_since(client=client, watermark=None)
    assert {change_key(c) for c in a} == {change_key(c) for c in b}
    assert mark is not None
