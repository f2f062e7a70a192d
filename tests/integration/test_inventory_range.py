"""The ledger refuses a quantity a PostgreSQL integer cannot hold, with a message for people, instead
of storing a wrapped number or failing with a database error."""

import pytest

from inventory.models import StockLevel, StockMovement
from inventory.selectors import stock_quantity
from inventory.services import (
    InventoryError,
    location_get_default,
    stock_level_set,
    stock_movement_record,
    stock_movements_record_many,
)
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db
HUGE = 99_999_999_999


@pytest.fixture
def stocked(merchant_a):
    variant = VariantFactory(product__merchant=merchant_a)
    location = location_get_default(merchant=merchant_a)
    stock_level_set(merchant=merchant_a, variant=variant, location=location, quantity=2, idempotency_key="start")
    return variant, location


def _unchanged(merchant, variant):
    return stock_quantity(merchant=merchant, variant=variant) == 2 and StockMovement.objects.count() == 1


@pytest.mark.parametrize("quantity", [HUGE, 2_147_483_648, -2_147_483_649])
def test_setting_a_level_out_of_range_is_refused(merchant_a, stocked, quantity):
    variant, location = stocked
    with pytest.raises(InventoryError, match="Flyt keeps stock levels between"):
        stock_level_set(merchant=merchant_a, variant=variant, location=location, quantity=quantity,
                        idempotency_key="huge")
    assert _unchanged(merchant_a, variant)


def test_a_movement_that_would_leave_the_level_out_of_range_is_refused(merchant_a, stocked):
    variant, location = stocked
    with pytest.raises(InventoryError, match="Flyt keeps stock levels between"):
        stock_movement_record(merchant=merchant_a, variant=variant, location=location, delta=2_147_483_646,
                              reason=StockMovement.Reason.ADJUSTMENT, idempotency_key="over")
    with pytest.raises(InventoryError, match="Flyt keeps stock levels between"):
        stock_movements_record_many(merchant=merchant_a, entries=[{
            "variant": variant, "location": location, "delta": HUGE, "reason": StockMovement.Reason.INITIAL,
            "idempotency_key": "many"}])
    assert _unchanged(merchant_a, variant)
    assert StockLevel.objects.get(variant=variant).quantity == 2
