"""Two workers apply sales of the same variant from two platforms at the same time, on real
PostgreSQL: every sale is counted once and both platforms end at the same level."""

import threading

import pytest
from django.db import connections
from django.db.models import Sum
from django.test import Client

from catalog.models import Variant
from inventory.models import StockMovement
from inventory.selectors import stock_quantity


@pytest.mark.django_db(transaction=True)
def test_sales_on_two_platforms_applied_at_once_lose_no_update(stock_shop):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    variant = Variant.objects.get(merchant=shop.merchant, sku=sku)
    start_level = stock_quantity(merchant=shop.merchant, variant=variant)
    sales = 6
    for _ in range(sales):
        shop.zettle.sell(shop.org, sku, 1)
        shop.bc.sell(shop.store, sku, 1)
    barrier, errors = threading.Barrier(2), []

    def worker(sandbox):
        client = Client()

        def send(url, headers, body):
            return shop.send_with(client, url, headers, body)

        try:
            barrier.wait()
            for _ in range(20):  # deliver what is due, including the echoes of the other worker's writes
                if not sandbox.webhooks.pending:
                    break
                sandbox.webhooks.deliver_due(send)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(sandbox,)) for sandbox in (shop.zettle, shop.bc)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    shop.deliver()  # anything left (late echoes)

    expected = start_level - 2 * sales
    assert stock_quantity(merchant=shop.merchant, variant=variant) == expected
    assert shop.bc.stock_of(shop.store, sku) == expected
    assert shop.zettle.store_balance(shop.org, sku) == expected
    taken = StockMovement.objects.filter(merchant=shop.merchant, variant=variant,
                                         reason__in=[StockMovement.Reason.SALE, StockMovement.Reason.ADJUSTMENT])
    assert taken.aggregate(total=Sum("delta"))["total"] == -2 * sales
