"""Disconnect with "remove the products Flyt synced": only the products Flyt created on the platform
are deleted; a merchant's own product that Flyt only linked (same SKU) is unlinked and left there.
The confirmation page says which is which, with counts."""

import pytest
from django.urls import reverse

from integrations.engine.runner import integration_sync
from integrations.models import Binding
from integrations.sandbox.seed import catalog
from tests.web.conftest import set_up

pytestmark = pytest.mark.django_db


def disconnect_url(integration, platform):
    return reverse("integration-disconnect", args=[integration.pk, platform])


def _linked_setup(client, bc, zettle):
    """Zettle home base with 3 products; BigCommerce already sells the first one (same SKU)."""
    zettle_seed = catalog(3, seed=21, prefix="ZT")
    own = catalog(1, seed=21, prefix="ZT")  # the merchant's own BigCommerce product, same SKU ZT-000001
    integration, bc_account, _, _ = set_up(client, bc, zettle, home="zettle", scope="all", zettle_seed=zettle_seed,
                                           bc_seed=own)
    return integration, bc.state["accounts"][bc_account["account"]], zettle_seed


def _skus(store):
    return sorted(p["sku"] for p in store["products"].values())


def test_bindings_record_whether_flyt_created_or_linked_the_product(client_a, bc, zettle):
    integration, store, _ = _linked_setup(client_a, bc, zettle)
    assert _skus(store) == ["ZT-000001", "ZT-000002", "ZT-000003"]  # linked, not duplicated
    bc_side = integration.connection_for("bigcommerce")
    origins = dict(Binding.objects.filter(connection=bc_side, kind=Binding.Kind.PRODUCT)
                   .values_list("external_id", "origin"))
    by_sku = {p["sku"]: origins[str(pid)] for pid, p in store["products"].items()}
    assert by_sku == {"ZT-000001": "linked", "ZT-000002": "created", "ZT-000003": "created"}
    # on the home base Flyt created nothing: every product there is only linked
    assert set(Binding.objects.filter(connection=integration.connection_for("zettle"), kind=Binding.Kind.PRODUCT)
               .values_list("origin", flat=True)) == {"linked"}


def test_removal_deletes_only_what_flyt_created_and_leaves_the_merchants_own_product(client_a, bc, zettle):
    integration, store, _ = _linked_setup(client_a, bc, zettle)
    response = client_a.post(disconnect_url(integration, "bigcommerce"), {"remove_products": "yes"})
    assert response.status_code == 302
    assert _skus(store) == ["ZT-000001"]  # the pre-existing product survives, Flyt's two copies are gone
    bc_side = integration.connection_for("bigcommerce")
    assert not Binding.objects.filter(connection=bc_side).exists()  # and it is unlinked


def test_the_confirmation_page_lists_what_is_deleted_and_what_is_only_unlinked(client_a, bc, zettle):
    integration, store, seed = _linked_setup(client_a, bc, zettle)
    page = client_a.get(disconnect_url(integration, "bigcommerce")).content.decode()
    assert "2 products Flyt created on BigCommerce will be deleted" in page
    assert "1 product that was already on BigCommerce will only be unlinked" in page
    for product in seed:
        assert product.name in page and product.sku in page
    deleted, unlinked = page.split("will be deleted", 1)[1].split("will only be unlinked", 1)
    assert "ZT-000002" in deleted and "ZT-000003" in deleted and "ZT-000001" not in deleted
    assert "ZT-000001" in unlinked and "ZT-000002" not in unlinked
    assert len(store["products"]) == 3  # showing the page changes nothing


def test_a_home_product_deleted_leaves_the_merchants_own_linked_product_on_the_target(
        client_a, bc, zettle, django_capture_on_commit_callbacks):
    integration, store, _ = _linked_setup(client_a, bc, zettle)
    org = integration.connection_for("zettle").external_account_id
    for sku in ("ZT-000001", "ZT-000002"):  # deleted in Zettle, the home base
        binding = Binding.objects.get(connection=integration.connection_for("zettle"), kind=Binding.Kind.PRODUCT,
                                      hub_id=Binding.objects.get(connection=integration.connection_for("bigcommerce"),
                                                                 kind=Binding.Kind.PRODUCT,
                                                                 external_id=_id_of(store, sku)).hub_id)
        zettle.admin_delete_product(org, binding.external_id)
    with django_capture_on_commit_callbacks(execute=True):
        integration_sync(merchant=integration.merchant, integration=integration, trigger="manual", full=True)
    # Flyt's copy of ZT-000002 is deleted with it; the merchant's own ZT-000001 stays, no longer synced
    assert _skus(store) == ["ZT-000001", "ZT-000003"]
    bc_side = integration.connection_for("bigcommerce")
    assert not Binding.objects.filter(connection=bc_side, external_id=_id_of(store, "ZT-000001"))


def _id_of(store, sku):
    return next(str(pid) for pid, p in store["products"].items() if p["sku"] == sku)
