"""The fixture product is stored as sent, with the server's fields added, and maps to the hub."""

from integrations.zettle import mapping
from tests.integration.zettle.conftest import FIXTURE_PRODUCT as FIXTURE
from tests.integration.zettle.conftest import beanie


def test_created_product_comes_back_with_server_fields_and_maps_to_the_hub(client):
    created = client.create_product(product=beanie())
    for field in ("etag", "created", "updated", "createdByUserUuid", "updatedByUserUuid", "organizationUuid"):
        assert created[field]
    assert {k: created[k] for k in FIXTURE} == FIXTURE
    hub = mapping.product_from_zettle(next(client.iter_products()))
    assert hub.external_id == FIXTURE["uuid"] and [v.sku for v in hub.variants] == ["BEANIE-BLK", "BEANIE-GRY"]
