import threading

import pytest
from django.db import IntegrityError, connections, transaction

from inventory.models import StockLevel, StockMovement
from inventory.selectors import stock_quantity
from inventory.services import (
    InventoryError,
    location_get_default,
    stock_level_set,
    stock_movement_record,
    stock_movements_record_many,
    stock_transfer,
)
from merchants.errors import NotOwned
from tests.factories import LocationFactory, MerchantFactory, VariantFactory

SALE = StockMovement.Reason.SALE


@pytest.mark.django_db
def test_a_sale_is_a_movement_and_moves_the_level(merchant_a):
    variant = VariantFactory(product__merchant=merchant_a)
    location = location_get_default(merchant=merchant_a)
    stock_movement_record(merchant=merchant_a, variant=variant, location=location, delta=5,
                          reason=StockMovement.Reason.INITIAL, idempotency_key="init")
    movement, created = stock_movement_record(merchant=merchant_a, variant=variant, location=location, delta=-2,
                                              reason=SALE, idempotency_key="zettle:purchase:1")
    assert created and movement.quantity_after == 3
    assert stock_quantity(merchant=merchant_a, variant=variant) == 3


@pytest.mark.django_db
def test_the_same_event_twice_counts_once(merchant_a):
    variant = VariantFactory(product__merchant=merchant_a)
    location = location_get_default(merchant=merchant_a)
    first, created_first = stock_movement_record(merchant=merchant_a, variant=variant, location=location, delta=-1,
                                                 reason=SALE, idempotency_key="bc:order:77:line:1")
    again, created_again = stock_movement_record(merchant=merchant_a, variant=variant, location=location, delta=-1,
                                                 reason=SALE, idempotency_key="bc:order:77:line:1")
    assert created_first and not created_again and again.pk == first.pk
    assert stock_quantity(merchant=merchant_a, variant=variant) == -1
    assert StockMovement.objects.filter(merchant=merchant_a).count() == 1


@pytest.mark.django_db
def test_idempotency_keys_are_per_merchant(merchant_a, merchant_b):
    for merchant in (merchant_a, merchant_b):
        variant = VariantFactory(product__merchant=merchant)
        _, created = stock_movement_record(merchant=merchant, variant=variant,
                                           location=location_get_default(merchant=merchant), delta=-1, reason=SALE,
                                           idempotency_key="order:1")
        assert created


@pytest.mark.django_db
def test_set_records_the_difference_and_nothing_when_equal(merchant_a):
    variant = VariantFactory(product__merchant=merchant_a)
    location = location_get_default(merchant=merchant_a)
    movement = stock_level_set(merchant=merchant_a, variant=variant, location=location, quantity=7,
                               idempotency_key="count:1", reason=StockMovement.Reason.RECONCILIATION)
    assert movement.delta == 7
    assert stock_level_set(merchant=merchant_a, variant=variant, location=location, quantity=7,
                           idempotency_key="count:2") is None
    assert StockMovement.objects.filter(merchant=merchant_a).count() == 1


@pytest.mark.django_db
def test_transfer_moves_stock_atomically(merchant_a):
    variant = VariantFactory(product__merchant=merchant_a)
    warehouse = location_get_default(merchant=merchant_a)
    store = LocationFactory(merchant=merchant_a, name="Store")
    stock_level_set(merchant=merchant_a, variant=variant, location=warehouse, quantity=10, idempotency_key="init")
    assert stock_transfer(merchant=merchant_a, variant=variant, source=warehouse, destination=store, quantity=4,
                          idempotency_key="transfer:1")
    assert not stock_transfer(merchant=merchant_a, variant=variant, source=warehouse, destination=store, quantity=4,
                              idempotency_key="transfer:1")
    assert stock_quantity(merchant=merchant_a, variant=variant, location=warehouse) == 6
    assert stock_quantity(merchant=merchant_a, variant=variant, location=store) == 4


@pytest.mark.django_db
def test_the_ledger_refuses_foreign_rows_and_zero_moves(merchant_a, merchant_b):
    variant_b = VariantFactory(product__merchant=merchant_b)
    with pytest.raises(NotOwned, match="another shop"):
        stock_movement_record(merchant=merchant_a, variant=variant_b,
                              location=location_get_default(merchant=merchant_a), delta=-1, reason=SALE,
                              idempotency_key="x")
    variant_a = VariantFactory(product__merchant=merchant_a)
    with pytest.raises(InventoryError):
        stock_movement_record(merchant=merchant_a, variant=variant_a,
                              location=location_get_default(merchant=merchant_a), delta=0, reason=SALE,
                              idempotency_key="y")


@pytest.mark.django_db
def test_the_database_itself_refuses_a_duplicate_key(merchant_a):
    variant = VariantFactory(product__merchant=merchant_a)
    location = location_get_default(merchant=merchant_a)
    stock_movement_record(merchant=merchant_a, variant=variant, location=location, delta=1,
                          reason=SALE, idempotency_key="dup")
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(merchant=merchant_a, variant=variant, location=location, delta=1,
                                     quantity_after=2, reason=SALE, idempotency_key="dup",
                                     occurred_at="2026-01-01T00:00:00Z")


@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_on_one_variant_lose_no_update():
    """Two workers sell from the same level at once on real PostgreSQL: every sale counts."""
    merchant = MerchantFactory()
    variant = VariantFactory(product__merchant=merchant)
    location = location_get_default(merchant=merchant)
    stock_level_set(merchant=merchant, variant=variant, location=location, quantity=100, idempotency_key="init")
    sales_per_worker, workers = 20, 4
    start = threading.Barrier(workers)
    errors = []

    def sell(worker):
        try:
            start.wait()
            for n in range(sales_per_worker):
                stock_movement_record(merchant=merchant, variant=variant, location=location, delta=-1, reason=SALE,
                                      idempotency_key=f"w{worker}:sale:{n}")
                # every worker also replays one of the others' events: it must not count again
                stock_movement_record(merchant=merchant, variant=variant, location=location, delta=-1, reason=SALE,
                                      idempotency_key=f"w{(worker + 1) % workers}:sale:{n}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sell, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    level = StockLevel.objects.get(variant=variant, location=location)
    assert level.quantity == 100 - sales_per_worker * workers
    assert StockMovement.objects.filter(merchant=merchant, reason=SALE).count() == sales_per_worker * workers


def _initial(variant, location, delta, key):
    return {"variant": variant, "location": location, "delta": delta, "reason": StockMovement.Reason.INITIAL,
            "idempotency_key": key}


@pytest.mark.django_db
def test_many_movements_set_each_level_and_count_each_key_once(merchant_a):
    location = location_get_default(merchant=merchant_a)
    a, b = VariantFactory(product__merchant=merchant_a), VariantFactory(product__merchant=merchant_a)
    stock_level_set(merchant=merchant_a, variant=b, location=location, quantity=10, idempotency_key="b:start")
    entries = [_initial(a, location, 4, "a:1"), _initial(b, location, -3, "b:1"), _initial(a, location, 2, "a:2"),
               _initial(a, location, 7, "a:1")]  # the same key twice in one call counts once
    assert stock_movements_record_many(merchant=merchant_a, entries=entries) == 3
    assert stock_quantity(merchant=merchant_a, variant=a) == 6
    assert stock_quantity(merchant=merchant_a, variant=b) == 7
    assert list(StockMovement.objects.filter(variant=a).order_by("pk").values_list("quantity_after", flat=True)) \
        == [4, 6]
    before = StockLevel.objects.get(variant=a).updated_at
    # recorded again (a retried page): nothing changes, not even the levels' timestamps
    assert stock_movements_record_many(merchant=merchant_a, entries=entries) == 0
    assert stock_quantity(merchant=merchant_a, variant=a) == 6 and stock_quantity(merchant=merchant_a, variant=b) == 7
    assert StockLevel.objects.get(variant=a).updated_at == before
    assert StockMovement.objects.filter(merchant=merchant_a).count() == 4


@pytest.mark.django_db
def test_many_movements_touch_only_the_merchants_own_levels(merchant_a, merchant_b):
    location_a, location_b = location_get_default(merchant=merchant_a), location_get_default(merchant=merchant_b)
    mine, theirs = VariantFactory(product__merchant=merchant_a), VariantFactory(product__merchant=merchant_b)
    stock_level_set(merchant=merchant_b, variant=theirs, location=location_b, quantity=5, idempotency_key="same")
    # the same idempotency key in another shop is another event
    assert stock_movements_record_many(merchant=merchant_a, entries=[_initial(mine, location_a, 3, "same")]) == 1
    assert stock_quantity(merchant=merchant_a, variant=mine) == 3
    assert stock_quantity(merchant=merchant_b, variant=theirs) == 5
    with pytest.raises(NotOwned):
        stock_movements_record_many(merchant=merchant_a, entries=[_initial(theirs, location_b, 1, "x")])
    assert stock_quantity(merchant=merchant_b, variant=theirs) == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_and_single_sales_lose_no_update():
    """Batches over the same levels (in different orders) and single sales at once on real PostgreSQL:
    no deadlock, every movement counts once, each level ends at the sum of its ledger."""
    merchant = MerchantFactory()
    location = location_get_default(merchant=merchant)
    variants = [VariantFactory(product__merchant=merchant) for _ in range(6)]
    rounds, workers = 10, 4
    start = threading.Barrier(workers)
    errors = []

    def work(worker):
        try:
            start.wait()
            for n in range(rounds):
                order = variants if worker % 2 else list(reversed(variants))
                # every worker also replays the batch of the worker before it: those must not count again
                for owner in (worker, (worker - 1) % workers):
                    stock_movements_record_many(merchant=merchant, entries=[
                        _initial(v, location, 1, f"w{owner}:batch:{n}:{v.pk}") for v in order])
                stock_movement_record(merchant=merchant, variant=variants[n % len(variants)], location=location,
                                      delta=-1, reason=SALE, idempotency_key=f"w{worker}:sale:{n}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for variant in variants:
        level = StockLevel.objects.get(variant=variant, location=location)
        ledger = sum(StockMovement.objects.filter(variant=variant, location=location).values_list("delta", flat=True))
        assert level.quantity == ledger
    assert StockMovement.objects.filter(merchant=merchant).count() == workers * rounds * (len(variants) + 1)
    assert sum(StockLevel.objects.filter(merchant=merchant).values_list("quantity", flat=True)) \
        == workers * rounds * (len(variants) - 1)
