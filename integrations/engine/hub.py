"""Pull: bring one platform product into the hub, linking instead of duplicating."""

import hashlib
import json
from dataclasses import asdict, dataclass

from catalog.models import Product, Variant
from catalog.services import product_apply, products_create_many
from integrations.models import Binding
from integrations.services.bindings import bindings_save
from inventory.models import StockMovement
from inventory.services import location_get_default, stock_movements_record_many
from merchants.tenancy import scoped


@dataclass
class PullOutcome:
    action: str  # created, updated, unchanged, skipped
    product: Product | None
    message: str = ""
    newly_bound: bool = False


def _bindings(connection, kind, external_ids):
    return {b.external_id: b for b in Binding.objects.filter(connection=connection, kind=kind,
                                                           external_id__in=[str(e) for e in external_ids])}


def _match_product(*, merchant, external):
    """The one hub product whose variants share a SKU (first) or a barcode with ``external``."""
    for attribute in ("sku", "barcode"):
        values = {getattr(v, attribute) for v in external.variants if getattr(v, attribute)}
        if not values:
            continue
        ids = set(scoped(Variant, merchant=merchant).filter(**{f"{attribute}__in": values})
                  .values_list("product_id", flat=True))
        if len(ids) == 1:
            return scoped(Product, merchant=merchant).get(pk=ids.pop()), attribute, None
        if len(ids) > 1:
            return None, attribute, sorted(values)
    return None, None, None


def read_hash(external) -> str:
    """A hash of everything the hub takes from a platform product (stock and timestamps excluded:
    stock moves through the ledger)."""
    doc = asdict(external)
    doc.pop("updated_at", None)
    doc.pop("extra", None)
    for variant in doc["variants"]:
        variant.pop("stock", None)
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _bind_variants(*, merchant, connection, rows):
    """Bind hub variants to platform variants; ``rows``: (variant, external variant, external
    product id, new). A new tracked variant starts from the platform's stock: one INITIAL ledger
    movement per platform variant, whatever the number of passes."""
    bindings_save(merchant=merchant, connection=connection, kind=Binding.Kind.VARIANT,
                  rows=[(variant.pk, ev.external_id, parent) for variant, ev, parent, _ in rows])
    initial = [(variant, ev) for variant, ev, _, new in rows if new and ev.stock and variant.track_stock]
    if initial:
        location = location_get_default(merchant=merchant)
        stock_movements_record_many(merchant=merchant, entries=[
            {"variant": variant, "location": location, "delta": ev.stock, "reason": StockMovement.Reason.INITIAL,
             "source_connection": connection, "idempotency_key": f"initial:{connection.pk}:{ev.external_id}"}
            for variant, ev in initial])


def pull_product(*, merchant, connection, external, price_list) -> PullOutcome:
    """Create or update the hub product for ``external`` (an ExternalProduct from ``connection``)."""
    label = f"Product '{external.title}'"
    binding = _bindings(connection, Binding.Kind.PRODUCT, [external.external_id]).get(str(external.external_id))
    product = scoped(Product, merchant=merchant).filter(pk=binding.hub_id).first() if binding else None
    digest = read_hash(external)
    if product is not None and binding.remote_hash == digest:
        return PullOutcome("unchanged", product)  # read before and nothing changed since
    matched_by = None
    if product is None:
        product, matched_by, ambiguous = _match_product(merchant=merchant, external=external)
        if ambiguous:
            return PullOutcome("skipped", None, f"{label}: skipped — its {matched_by}s "
                               f"{', '.join(ambiguous)} match several products in Flyt. Give each product its "
                               f"own {matched_by} on both platforms, then sync again.")
    variant_bindings = _bindings(connection, Binding.Kind.VARIANT, [v.external_id for v in external.variants])
    existing = {v.pk: v for v in (product.variants.all() if product else [])}
    specs, claimed = [], set()
    for position, ev in enumerate(external.variants):
        variant = None
        bound = variant_bindings.get(str(ev.external_id))
        if bound and bound.hub_id in existing:
            variant = existing[bound.hub_id]
        if variant is None:
            variant = next((v for v in existing.values() if v.pk not in claimed and (
                (ev.sku and v.sku == ev.sku) or (ev.barcode and v.barcode == ev.barcode))), None)
        if variant is not None:
            claimed.add(variant.pk)
        specs.append({"variant": variant, "sku": ev.sku, "barcode": ev.barcode, "option_values": ev.option_values,
                      "cost_price": ev.cost_price, "weight_grams": ev.weight_grams, "track_stock": ev.track_stock,
                      "active": True, "position": position, "price": ev.price})
    was_new = product is None
    before = product.content_hash if product else ""
    product, variants, _ = product_apply(
        merchant=merchant, product=product, title=external.title, description=external.description,
        product_type=external.product_type, brand=external.brand, options=external.options,
        images=[{"source_url": i.url, "alt": i.alt} for i in sorted(external.images, key=lambda i: i.position)],
        variants=specs, price_list=price_list,
    )
    bindings_save(merchant=merchant, connection=connection, kind=Binding.Kind.PRODUCT,
                  rows=[(product.pk, external.external_id, "")], remote_hash=digest)
    _bind_variants(merchant=merchant, connection=connection, rows=[
        (variant, ev, external.external_id, spec["variant"] is None)
        for spec, ev, variant in zip(specs, external.variants, variants, strict=True)])
    if was_new:
        return PullOutcome("created", product, f"{label} created in Flyt from {connection.platform_info.label}.",
                           newly_bound=True)
    if matched_by:
        return PullOutcome("updated", product, f"{label} linked to the existing Flyt product with the same "
                           f"{matched_by}.", newly_bound=True)
    if product.content_hash != before:  # product_apply refreshed the hash on this instance
        return PullOutcome("updated", product, f"{label} updated from {connection.platform_info.label}.")
    return PullOutcome("unchanged", product)


def pull_new_products(*, merchant, connection, externals, price_list) -> list[PullOutcome]:
    """Bring products the hub has never seen (no binding, no SKU or barcode match) into the hub in
    a few queries for the whole page; ``CatalogError`` (nothing created) when a SKU is taken."""
    created = products_create_many(merchant=merchant, price_list=price_list, specs=[{
        "title": external.title, "description": external.description, "product_type": external.product_type,
        "brand": external.brand, "options": external.options,
        "images": [{"source_url": i.url, "alt": i.alt} for i in sorted(external.images, key=lambda i: i.position)],
        "variants": [{"sku": ev.sku, "barcode": ev.barcode, "option_values": ev.option_values,
                      "cost_price": ev.cost_price, "weight_grams": ev.weight_grams, "track_stock": ev.track_stock,
                      "active": True, "price": ev.price} for ev in external.variants],
    } for external in externals])
    bindings_save(merchant=merchant, connection=connection, kind=Binding.Kind.PRODUCT,
                  rows=[(product.pk, external.external_id, "") for (product, _), external in zip(created, externals,
                                                                                                  strict=True)])
    digests = {str(external.external_id): read_hash(external) for external in externals}
    saved = list(Binding.objects.filter(connection=connection, kind=Binding.Kind.PRODUCT,
                                        external_id__in=digests))
    for binding in saved:
        binding.remote_hash = digests[binding.external_id]
    Binding.objects.bulk_update(saved, ["remote_hash"])
    _bind_variants(merchant=merchant, connection=connection, rows=[
        (variant, ev, external.external_id, True)
        for (_, variants), external in zip(created, externals, strict=True)
        for variant, ev in zip(variants, external.variants, strict=True)])
    label = connection.platform_info.label
    return [PullOutcome("created", product, f"Product '{external.title}' created in Flyt from {label}.",
                        newly_bound=True) for (product, _), external in zip(created, externals, strict=True)]


def split_new(*, merchant, connection, externals):
    """(never seen before, the rest): products with no binding whose SKUs and barcodes the hub does
    not know yet, and no SKU shared inside the page, can be created in bulk."""
    bound = set(Binding.objects.filter(connection=connection, kind=Binding.Kind.PRODUCT,
                                       external_id__in=[str(e.external_id) for e in externals])
                .values_list("external_id", flat=True))
    skus = [v.sku for e in externals for v in e.variants if v.sku]
    barcodes = {v.barcode for e in externals for v in e.variants if v.barcode}
    known_skus = set(scoped(Variant, merchant=merchant).filter(sku__in=skus).values_list("sku", flat=True))
    known_barcodes = set(scoped(Variant, merchant=merchant).filter(barcode__in=barcodes)
                         .values_list("barcode", flat=True))
    shared = {sku for sku in skus if skus.count(sku) > 1} if len(set(skus)) != len(skus) else set()
    new, rest = [], []
    for external in externals:
        unknown = str(external.external_id) not in bound and not any(
            v.sku in known_skus or v.sku in shared or v.barcode in known_barcodes for v in external.variants)
        (new if unknown else rest).append(external)
    return new, rest


def skip_unchanged(*, connection, externals):
    """(products to look at, hub ids of those unchanged since they were last read) for a page,
    in one query: an unchanged product costs nothing more."""
    digests = {str(e.external_id): read_hash(e) for e in externals}
    known = {external_id: (hub_id, remote_hash) for external_id, hub_id, remote_hash in Binding.objects.filter(
        connection=connection, kind=Binding.Kind.PRODUCT, external_id__in=digests).values_list(
        "external_id", "hub_id", "remote_hash")}
    rest, unchanged = [], []
    for external in externals:
        hub_id, remote_hash = known.get(str(external.external_id), (None, ""))
        if hub_id is not None and remote_hash and remote_hash == digests[str(external.external_id)]:
            unchanged.append(hub_id)
        else:
            rest.append(external)
    return rest, unchanged
