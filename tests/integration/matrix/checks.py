"""What "the target holds the home base's products" means, field by field, for the fields a pair carries."""

from integrations.kinds import kind_get
from integrations.platforms import PLATFORMS
from synclog.models import SyncRun
from tests.integration.matrix.platforms import text_of

VARIANT_FIELDS = {"barcode": "barcode", "price": "price", "cost_price": "cost_price", "weight": "weight_grams",
                  "low_stock": "low_stock_level"}


def pair_fields(home, target):
    """The fields a "Product sync" from ``home`` to ``target`` carries (prices included)."""
    return kind_get("product_sync").fields_from(home=home, target=target)


def checked_fields(home, target):
    """The pair's fields the target also reads back (what can be compared through its API)."""
    return pair_fields(home, target) & PLATFORMS[target].product_fields_read


def facts(product, fields, *, one_weight=False):
    """``product`` reduced to ``fields``, comparable across platforms: variants by SKU. A weight of 0 is no
    weight (how every platform here says it); ``one_weight``: as a platform holding one weight per product
    has it (the first variant's)."""
    found = {}
    first_weight = next((v.weight_grams for v in product.variants if v.weight_grams), None)
    if "name" in fields:
        found["name"] = product.title
    if "description" in fields:
        found["description"] = text_of(product.description)
    if "images" in fields:
        found["images"] = len(product.images)
    if "seo" in fields:
        found["seo"] = {k: v for k, v in (product.seo or {}).items() if v}
    variants = {}
    for variant in product.variants:
        row = {attr: getattr(variant, attr) for name, attr in VARIANT_FIELDS.items() if name in fields}
        if "weight" in fields:
            row["weight_grams"] = (first_weight if one_weight else variant.weight_grams) or None
        if "variants" in fields:
            row["options"] = dict(variant.option_values)
        variants[variant.sku] = row
    found["variants"] = variants
    return found


def stock_facts(product):
    return {v.sku: v.stock for v in product.variants}


def copies_of(product, target_by_sku):
    """The target's products holding one of ``product``'s SKUs, by id."""
    return {p.external_id: p for v in product.variants for p in target_by_sku.get(v.sku, [])}


def assert_mirrored(pair, *, fields, only=None):
    """Every home product (or those whose first SKU is in ``only``) is on the target once, equal in
    ``fields``. Returns {first SKU: the target's copy}."""
    home_products = pair.home.products()
    target_by_sku = pair.target.by_sku()
    copies = {}
    for product in home_products:
        key = product.variants[0].sku
        if only is not None and key not in only:
            continue
        found = copies_of(product, target_by_sku)
        assert len(found) == 1, f"{product.title} ({key}) is on the target {len(found)} times"
        copy = next(iter(found.values()))
        one_weight = pair.target.one_weight_per_product
        wanted, found_facts = facts(product, fields, one_weight=one_weight), facts(copy, fields)
        assert found_facts == wanted, f"{product.title}: the target has {found_facts}, the home base {wanted}"
        copies[key] = copy
    if only is not None:
        assert set(copies) == set(only), f"not on the home base: {set(only) - set(copies)}"
    return copies


def assert_ok(run):
    run.refresh_from_db()
    failures = [e.message for e in run.entries.all() if e.action == "failed" or e.level == "error"]
    assert run.outcome == SyncRun.Outcome.SUCCESS, (run.outcome, run.summary, failures)
    assert not failures, failures
    return run


def run_messages(run):
    return [e.message for e in run.entries.all()]
