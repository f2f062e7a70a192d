"""`manage.py sandbox seed|reset` and serving over HTTP, for every platform: the JSON the seed
prints is enough for our own client to connect over plain HTTP and read the seeded catalog."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.module_loading import import_string

from integrations.errors import ConnectorError
from integrations.models import Connection
from integrations.sandbox import registry

CLIENTS = {
    "bigcommerce": "integrations.bigcommerce.client.BigCommerceClient",
    "shopify": "integrations.shopify.client.ShopifyClient",
    "zettle": "integrations.zettle.client.ZettleClient",
    "shopbox": "integrations.shopbox.client.ShopboxClient",
    "rackbeat": "integrations.rackbeat.client.RackbeatClient",
}
# Rackbeat has no variants: each sellable variant is a product number of its own.
LISTED_PER_PRODUCT = {"rackbeat": 2}


@pytest.fixture
def served(settings, tmp_path, live_server):
    settings.SANDBOX_STATE_DIR = str(tmp_path)
    settings.SANDBOX_BASE_URL = f"{live_server.url}/sandbox"
    registry.reset_all()
    yield tmp_path
    registry.reset_all()


def _seed(platform, products, variants):
    out = StringIO()
    call_command("sandbox", "seed", platform, "--products", str(products), "--variants", str(variants), stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("platform", sorted(registry.SANDBOXES))
def test_seed_prints_a_working_connection_and_reset_empties_it(platform, served):
    seeded = _seed(platform, 3, 2)
    assert seeded["platform"] == platform and seeded["products"] == 3 and seeded["variants"] == 6
    assert seeded["base_url"].endswith(f"/sandbox/{platform}")
    assert seeded["settings"]["sandbox"] is True and seeded["credentials"]

    connection = Connection(platform=platform, credentials=seeded["credentials"], settings=seeded["settings"],
                            external_account_id=seeded.get("external_account_id") or "")
    client = import_string(CLIENTS[platform]).from_connection(connection)
    products = list(client.iter_products())
    assert len(products) == 3 * LISTED_PER_PRODUCT.get(platform, 1)

    call_command("sandbox", "reset", stdout=StringIO())
    assert not any(Path(served).glob("*.json"))
    with pytest.raises(ConnectorError) as info:
        list(import_string(CLIENTS[platform]).from_connection(connection).iter_products())
    assert not info.value.retryable


@pytest.mark.django_db
def test_seed_refuses_nonsense_counts():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--variants"):
        call_command("sandbox", "seed", "zettle", "--products", "1", "--variants", "0", stdout=StringIO())
