"""The pure field-restricted mapping the connector writes with (no HTTP)."""

from decimal import Decimal

from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant
from integrations.errors import ConnectorError
from integrations.http import CallStats
from integrations.zettle import mapping_writes
from integrations.zettle.connector_support import call_stats, label, refusal_reason

CURRENT = {
    "uuid": "p-1", "name": "Mug", "description": "Old", "vatPercentage": "12", "category": {"uuid": "c", "name": "X"},
    "presentation": {"imageUrl": "https://a/1.jpg", "backgroundColor": "#fff"},
    "variants": [{"uuid": "v-1", "sku": "M-S", "barcode": "1", "price": {"amount": 100, "currencyId": "SEK"},
                  "costPrice": {"amount": 50, "currencyId": "SEK"}, "options": [{"name": "Size", "value": "S"}],
                  "name": "S"}],
    "variantOptionDefinitions": {"definitions": [{"name": "Size", "properties": [{"value": "S"}]}]},
}


def _hub(**changes):
    variant = ExternalVariant(external_id="v-1", sku="M-S", barcode="1", price=Decimal("1.00"),
                              cost_price=Decimal("0.50"), option_values={"Size": "S"})
    product = ExternalProduct(external_id="p-1", title="Mug", description="Old", variants=[variant],
                              options=[{"name": "Size", "values": ["S"]}],
                              images=[ExternalImage(url="https://a/1.jpg")])
    for key, value in changes.items():
        setattr(product, key, value)
    return product


def test_nothing_changed_is_an_empty_patch():
    patch, ids = mapping_writes.product_patch(CURRENT, _hub(), fields=frozenset(mapping_writes.VARIANT_LEVEL_FIELDS | {
        "name", "description", "images"}), currency="SEK")
    assert patch == {} and ids == {0: "v-1"}


def test_patch_holds_only_changed_keys_within_fields():
    hub = _hub(title="Big mug", description="<b>New</b>")
    hub.variants[0].price = Decimal("2.00")
    patch, _ = mapping_writes.product_patch(CURRENT, hub, fields=frozenset({"description"}), currency="SEK")
    assert patch == {"description": "New"}
    patch, _ = mapping_writes.product_patch(CURRENT, hub, fields=frozenset({"price"}), currency="SEK")
    assert list(patch) == ["variants"] and patch["variants"][0]["price"]["amount"] == 200
    assert patch["variants"][0]["costPrice"]["amount"] == 50  # untouched keys of the variant travel unchanged


def test_removing_images_and_description_sends_nulls_and_keeps_other_presentation_keys():
    patch, _ = mapping_writes.product_patch(CURRENT, _hub(images=[], description=""),
                                            fields=frozenset({"images", "description"}), currency="SEK")
    assert patch == {"presentation": {"imageUrl": None}, "description": None}


def test_plain_text_and_labels_and_reasons():
    assert mapping_writes.plain_text("<p>A &lt;b&gt;</p><p>B<br>C</p>") == "A <b>\nB\nC"
    assert label(_hub()) == "'Mug' (SKU M-S)"
    exc = ConnectorError("x", retryable=False, status=400, detail={"body": '{"developerMessage": "Validation '
                         'failed", "violations": [{"propertyName": "name", "developerMessage": "must not be '
                         'blank"}]}'})
    assert refusal_reason(exc) == "name must not be blank. Correct it in Flyt and sync again."


def test_call_stats_classify_by_path():
    stats = CallStats(retries=1, rate_limit_wait_s=0.25, by_path={
        "POST https://oauth.zettle.com/token": 1, "POST http://sandbox.test/zettle/oauth/token": 1,
        "GET https://products.izettle.com/organizations/self/library?limit=500&offset=500": 2,
        "POST https://inventory.izettle.com/v3/stock/9b1c6c3e-0a0a-11ef-8000-000000000001/products": 2,
        "POST https://inventory.izettle.com/v3/products/status": 1,
        "POST https://inventory.izettle.com/v3/products": 1,
        "PUT https://products.izettle.com/organizations/self/products/v2/1": 4})
    assert call_stats(stats) == {"read": 5, "write": 5, "auth": 2, "retries": 1, "rate_limit_wait_s": 0.25}
