"""Hub DTOs and sandbox call counting for the connector tests."""

from decimal import Decimal

from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant

ALL_FIELDS = frozenset({"name", "description", "price", "cost_price", "weight", "variants", "images", "stock",
                        "low_stock", "sku", "barcode", "seo"})
# Zettle home base -> BigCommerce (the integration's field table), prices included
ZETTLE_TO_BC = frozenset({"name", "price", "description", "variants", "images", "stock", "seo", "weight", "sku",
                          "barcode"})


def hub_product(n, *, variants=3, price="199.00", prefix="HUB", images=1, title=None):
    sizes = ["S", "M", "L", "XL", "XXL", "3XL", "4XL"]
    rows = [ExternalVariant(external_id="", sku=f"{prefix}-{n}-{sizes[v]}" if variants > 1 else f"{prefix}-{n}",
                            barcode=f"57{n:06d}{v:04d}0", price=Decimal(price), cost_price=Decimal("80.00"),
                            weight_grams=250 + v, option_values={"Size": sizes[v]} if variants > 1 else {},
                            stock=5 + v, low_stock_level=2)
            for v in range(variants)]
    return ExternalProduct(external_id="", title=title or f"Hub product {prefix} {n}", description=f"<p>{n}</p>",
                           brand="Acme", product_type="Mugs", variants=rows,
                           images=[ExternalImage(url=f"https://img.example/{prefix}-{n}-{i}.jpg", position=i)
                                   for i in range(images)],
                           seo={"title": f"SEO {n}", "description": f"Meta {n}"})


def writes(sandbox):
    return [r for r in sandbox.requests if r.method != "GET"]


def reads(sandbox):
    return [r for r in sandbox.requests if r.method == "GET"]


def batch_sizes(sandbox, method, path):
    return [len(r.json()) for r in sandbox.calls(method, path) if r.path.endswith(path)]


def mark(sandbox):
    """Forget the requests so far (set-up), so a test counts only what follows."""
    sandbox.requests.clear()

# what the Zettle ↔ BigCommerce kind asks BigCommerce to prepare (integrations.kinds.zettle_bigcommerce)
ZETTLE_HOME = {"channel": "PayPal Zettle"}
ZETTLE_TARGET = {"category": "PayPal Zettle"}
