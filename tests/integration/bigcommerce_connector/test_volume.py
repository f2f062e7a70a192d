"""What creating a large catalog through the connector costs in calls (the numbers in the report)."""

from integrations.sandbox.seed import catalog
from tests.integration.bigcommerce_connector.helpers import ZETTLE_TARGET
from tests.unit.bigcommerce.support import make_store

from .conftest import make_connector
from .helpers import ZETTLE_TO_BC, mark, reads, writes

PRODUCTS, VARIANTS = 1000, 3


def _hub(seeds):
    from decimal import Decimal

    from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant

    return [ExternalProduct(external_id="", title=s.name, description=s.description, variants=[
        ExternalVariant(external_id="", sku=v.sku, barcode=v.barcode, price=Decimal(v.price_minor) / 100,
                        weight_grams=v.weight_grams, option_values=v.options, stock=v.stock) for v in s.variants],
        images=[ExternalImage(url=u, position=i) for i, u in enumerate(s.images)]) for s in seeds]


def test_creating_1000_products_with_3_variants(sandbox, clock, capsys):
    connector = make_connector(sandbox, clock, make_store(sandbox))
    connector.prepare(role="target", options=ZETTLE_TARGET)
    products = _hub(catalog(PRODUCTS, variants=VARIANTS, seed=5, prefix="VOL"))
    mark(sandbox)
    found = connector.find_products(skus={v.sku for p in products for v in p.variants},
                                    barcodes={v.barcode for p in products for v in p.variants})
    find_reads = len(reads(sandbox))
    assert found == [] and writes(sandbox) == []
    mark(sandbox)
    results = []
    for start in range(0, PRODUCTS, connector.write_batch_size):
        results += connector.create_products(products=products[start:start + connector.write_batch_size],
                                             fields=ZETTLE_TO_BC,
                                             placement={"category": "PayPal Zettle", "visible": False})
    assert all(r.ok for r in results) and len(results) == PRODUCTS
    assert all(len(r.variant_ids) == VARIANTS for r in results)
    assert len(writes(sandbox)) == PRODUCTS and len(reads(sandbox)) == 0  # one POST per product, images inline
    account = sandbox.account(connector.client.store_hash)
    assert len(account["variants"]) == PRODUCTS * VARIANTS
    for product in products:
        product.description += " (edited)"
    mark(sandbox)
    for start in range(0, PRODUCTS, connector.write_batch_size):
        batch = products[start:start + connector.write_batch_size]
        for product, result in zip(batch, results[start:start + len(batch)], strict=True):
            product.external_id = result.external_id
        assert all(r.ok for r in connector.update_products(products=batch, fields=ZETTLE_TO_BC))
    update_writes, update_reads = len(writes(sandbox)), len(reads(sandbox))
    # per batch of 10: one read, one PUT of 10 products, one PUT of their 30 variants
    assert update_writes == 200 and update_reads == 100
    with capsys.disabled():
        print(f"\nBigCommerce connector, {PRODUCTS} products x {VARIANTS} variants: find_products {find_reads} "
              f"reads; create {PRODUCTS} writes + 0 reads; update {update_writes} writes + {update_reads} reads; "
              f"rate-limit wait {connector.call_stats()['rate_limit_wait_s']:.0f}s (fake clock)")
