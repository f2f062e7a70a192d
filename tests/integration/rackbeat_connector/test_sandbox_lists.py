"""What the Rackbeat sandbox answers for the list and product parameters the product connector uses:
``order_by`` / ``order_direction``, ``expand=field_values``, ``physical`` and ``GET /self``."""

from integrations.rackbeat.mapping import GROUP_FIELD, OPTIONS_FIELD
from integrations.rackbeat.sandbox import FLYT_FIELDS
from integrations.sandbox.seed import catalog
from tests.unit.rackbeat.support import make_client


def test_products_ordered_by_updated_at_either_way(sandbox, clock, account):
    sandbox.seed(account["account"], catalog(3))
    clock.advance(30)
    sandbox.admin_update_product(account["account"], "FLY-000001", name="Changed")
    client = make_client(sandbox, account, clock)
    newest_first = [p["number"] for p in client.iter_products(order_by="updated_at", order_direction="desc")]
    oldest_first = [p["number"] for p in client.iter_products(order_by="updated_at", order_direction="asc")]
    assert newest_first[0] == "FLY-000001" and oldest_first[-1] == "FLY-000001"


def test_field_values_only_when_expanded(sandbox, clock, account):
    sandbox.seed(account["account"], catalog(1, variants=2))
    client = make_client(sandbox, account, clock)
    plain = client.get_product(number="FLY-000001-2")
    expanded = client.get_product(number="FLY-000001-2", expand="field_values")
    assert "field_values" not in plain
    assert sorted(v["slug"] for v in expanded["field_values"]) == ["flyt-product", "flyt-variant-options"]
    listed = list(client.iter_products(fields=["number"], expand="field_values"))
    assert all(set(p) == {"number", "field_values"} for p in listed)


def test_weights_and_the_company(sandbox, clock, account):
    client = make_client(sandbox, account, clock)
    created = client.create_product(body={"number": "W-1", "name": "Weighed", "group": 1,
                                          "physical": {"weight": 250, "weight_unit": "g"}})
    assert created["physical"]["weight"] == 250 and created["physical"]["size_unit"] == "cm"
    assert client.company() == {"id": int(account["account"]), "company_name": "Flyt Demo ApS", "currency": "DKK"}


def test_seeded_variants_are_grouped_with_the_connectors_fields_or_left_alone(sandbox, clock, account):
    assert FLYT_FIELDS == (GROUP_FIELD, OPTIONS_FIELD)
    sandbox.seed(account["account"], catalog(1, variants=2))
    sandbox.seed(account["account"], catalog(1, variants=2, prefix="LOOSE"), group_variants=False)
    company = sandbox.account(account["account"])
    assert len(company["fields"]) == 2 and sorted(company["field_values"]) == ["FLY-000001-1", "FLY-000001-2"]
