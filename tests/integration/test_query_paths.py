"""The set-based query paths the sync relies on: ``field__any`` means ``__in``, and ``rows_insert``'s
COPY reports a broken constraint as Django's IntegrityError."""

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Variant
from dbtools.bulk import rows_insert
from integrations.models import Binding
from merchants.tenancy import scoped
from tests.factories import ConnectionFactory, ProductFactory, VariantFactory


@pytest.mark.django_db
def test_any_finds_what_in_finds_and_stays_inside_the_merchant(merchant_a, merchant_b):
    mine = [VariantFactory(product=ProductFactory(merchant=merchant_a), sku=f"MUG-{n}") for n in range(3)]
    VariantFactory(product=ProductFactory(merchant=merchant_b), sku="MUG-0")  # the same SKU in another shop
    skus = ["MUG-0", "MUG-2", "MUG-9", None, "MUG-0"]
    for lookup in ("sku__in", "sku__any"):
        found = scoped(Variant, merchant=merchant_a).filter(**{lookup: skus})
        assert sorted(found.values_list("sku", flat=True)) == ["MUG-0", "MUG-2"], lookup
    # a foreign key by primary key, a primary key, an exclusion, an empty list
    products = [mine[0].product_id, mine[1].product_id]
    assert set(Variant.objects.filter(product_id__any=products)) == set(Variant.objects.filter(product_id__in=products))
    assert set(Variant.objects.filter(pk__any={mine[2].pk})) == {mine[2]}
    assert set(scoped(Variant, merchant=merchant_a).exclude(sku__any=["MUG-1"])) == {mine[0], mine[2]}
    assert list(Variant.objects.filter(sku__any=[])) == []
    # the statement's shape does not depend on the number of values (one array parameter)
    one = str(Variant.objects.filter(sku__any=["a"]).query).count("ANY")
    many = Variant.objects.filter(sku__any=[f"s{n}" for n in range(500)]).query.sql_with_params()
    assert one == 1 and len(many[1]) == 1


@pytest.mark.django_db
def test_any_with_a_subquery_is_in(merchant_a):
    variant = VariantFactory(product=ProductFactory(merchant=merchant_a), sku="CUP-1")
    subquery = Variant.objects.filter(sku="CUP-1").values("product_id")
    assert list(Variant.objects.filter(product_id__any=subquery)) == [variant]


@pytest.mark.django_db
def test_rows_insert_reports_a_broken_constraint_as_integrity_error(merchant_a, merchant_b):
    home = ConnectionFactory(merchant=merchant_a)
    common = {"merchant_id": merchant_a.pk, "connection_id": home.pk, "kind": "product"}
    rows_insert(Binding, common=common, columns=("hub_id", "external_id"), rows=[(1, "ext-1"), (2, "ext-2")])
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(Binding, common=common, columns=("hub_id", "external_id"), rows=[(3, "ext-3"), (1, "ext-9")])
    # nothing of the refused statement stayed; another merchant's connection is untouched
    assert sorted(Binding.objects.filter(connection=home).values_list("hub_id", "external_id")) == [
        (1, "ext-1"), (2, "ext-2")]
    assert not Binding.objects.filter(merchant=merchant_b).exists()
    # text with tabs, newlines and backslashes survives the COPY as it was
    odd = "a\tb\nc\\d"
    rows_insert(Binding, common=common, columns=("hub_id", "external_id", "remote_hash"), rows=[(4, "ext-4", odd)])
    assert Binding.objects.get(connection=home, hub_id=4).remote_hash == odd


def test_the_database_helpers_depend_on_django_only():
    """``dbtools`` sits below every app: any app may import it, it imports none of them."""
    import ast
    from pathlib import Path

    from django.apps import apps

    import dbtools

    project_apps = {config.name.split(".")[0] for config in apps.get_app_configs()} - {"django", "dbtools"}
    imported = set()
    for path in Path(dbtools.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
    assert imported - {"dbtools"} <= {"django", "json"}
    assert not imported & project_apps
    assert apps.get_app_config("dbtools").name == "dbtools"
