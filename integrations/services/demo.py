"""The demo shop that `make run` loads: a merchant, an owner login and a small catalog."""

from django.contrib.auth import get_user_model
from django.db import transaction

from catalog.models import Product
from catalog.services import category_ensure_path, product_create
from inventory.models import StockMovement
from inventory.services import location_get_default, stock_movement_record
from merchants.models import Merchant
from merchants.services import membership_add, merchant_create, user_create
from merchants.tenancy import scoped

DEMO_EMAIL = "demo@flyt.example"
DEMO_PASSWORD = "flyt-demo-2026"  # noqa: S105 - the demo login printed by `make run`, local only
DEMO_SLUG = "demo-shop"

_CATALOG = [
    ("Blue mug", "Kitchen", "Stoneware mug, 35 cl, dishwasher safe.", [("MUG-BLUE", "5701234000017", "89.00", 24)]),
    ("Linen apron", "Kitchen", "Washed linen apron with two pockets.",
     [("APRON-NAT", "5701234000024", "249.00", 8), ("APRON-CHAR", "5701234000031", "249.00", 5)]),
    ("Wool socks", "Clothing", "Merino wool socks.",
     [("SOCK-S", "5701234000048", "119.00", 30), ("SOCK-M", "5701234000055", "119.00", 42),
      ("SOCK-L", "5701234000062", "119.00", 17)]),
    ("Tote bag", "Accessories", "Organic cotton tote.", [("TOTE-1", "5701234000079", "149.00", 1)]),
]


@transaction.atomic
def demo_load():
    """Create (once) the demo merchant, its owner and catalog; returns (merchant, email, password)."""
    User = get_user_model()
    user = User.objects.filter(username=DEMO_EMAIL).first() or user_create(email=DEMO_EMAIL, password=DEMO_PASSWORD)
    merchant = Merchant.objects.filter(slug=DEMO_SLUG).first()
    if merchant is None:
        merchant = merchant_create(name="Demo Shop", owner=user, slug=DEMO_SLUG, default_currency="DKK")
    membership_add(merchant=merchant, user=user, role="owner")
    if not scoped(Product, merchant=merchant).exists():
        location = location_get_default(merchant=merchant)
        for title, category, description, variants in _CATALOG:
            options = [{"name": "Variant", "values": [sku for sku, *_ in variants]}] if len(variants) > 1 else []
            product = product_create(
                merchant=merchant, title=title, description=description, options=options,
                categories=[category_ensure_path(merchant=merchant, path=[category])],
                variants=[{"sku": sku, "barcode": barcode, "price": price,
                           "option_values": {"Variant": sku} if options else {}}
                          for sku, barcode, price, _ in variants],
            )
            for variant, (sku, _, _, quantity) in zip(product.variants.order_by("position"), variants, strict=True):
                stock_movement_record(merchant=merchant, variant=variant, location=location, delta=quantity,
                                      reason=StockMovement.Reason.INITIAL, idempotency_key=f"demo-initial:{sku}")
    return merchant, DEMO_EMAIL, DEMO_PASSWORD
