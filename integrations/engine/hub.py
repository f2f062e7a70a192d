"""Pull: bring one platform product into the hub, linking instead of duplicating."""

import hashlib
import json
from dataclasses import dataclass, fields, is_dataclass

from django.db import IntegrityError, connections, router, transaction

from catalog.models import Product, Variant
from catalog.services import price_list_for_currency, product_apply, products_create_many
from dbtools.bulk import rows_insert
from integrations.engine.bindings import bindings_save
from integrations.models import Binding
from inventory.models import StockMovement
from inventory.services import location_get_default, stock_movements_record_many
from merchants.tenancy import ensure_owned, scoped


def integration_price_list(*, merchant, integration):
    """The price list an integration reads and writes: the one in its home base's currency (as the
    platform reported it at set-up), so prices pulled in NOK are kept as NOK and pushed to a NOK
    account whatever Flyt's default currency is; the default list while the currency is unknown."""
    ensure_owned(integration, merchant=merchant)
    home = integration.home
    currency = (home.settings or {}).get("currency", "") if home is not None else ""
    return price_list_for_currency(merchant=merchant, currency=currency)


@dataclass
class PullOutcome:
    action: str  # created, updated, unchanged, skipped
    product: Product | None
    message: str = ""
    newly_bound: bool = False


def _bindings(connection, kind, external_ids):
    return {b.external_id: b for b in Binding.objects.filter(connection=connection, kind=kind,
                                                           external_id__any=[str(e) for e in external_ids])}


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


_FIELD_NAMES = {}


def _field_names(cls):
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _encode(value):
    """``json.dumps``'s ``default``: a dataclass as the dict of its fields (``dataclasses.asdict``
    without its deep copies; the encoder walks the values), anything else as ``str``."""
    if is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in _field_names(type(value))}
    return str(value)


def _without_stock(variant):
    doc = _encode(variant) if is_dataclass(variant) else dict(variant)
    doc.pop("stock", None)
    return doc


def read_hash(external) -> str:
    """A hash of everything the hub takes from a platform product (stock and timestamps excluded:
    stock moves through the ledger)."""
    doc = _encode(external)
    doc.pop("updated_at", None)
    doc.pop("extra", None)
    doc["variants"] = [_without_stock(variant) for variant in doc["variants"]]
    if not doc.get("videos"):  # most products have none: their hash stays what it was before videos were read
        doc.pop("videos", None)
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=_encode).encode()).hexdigest()


def read_hashes(externals) -> dict:
    """External id -> ``read_hash`` for a page, computed once and handed to the steps that need it."""
    return {str(e.external_id): read_hash(e) for e in externals}


def column_set(queryset, field, values):
    """Set ``field`` to ``values[pk]`` on the rows of ``queryset`` with those primary keys, in one
    UPDATE per 2,000 rows (PostgreSQL: joined to a VALUES list; elsewhere ``bulk_update``). Rows
    outside ``queryset`` are never touched."""
    if not values:
        return
    model = queryset.model
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        rows = list(queryset.filter(pk__in=list(values)))
        for row in rows:
            setattr(row, field, values[row.pk])
        model.objects.bulk_update(rows, [field])
        return
    quote = connection.ops.quote_name
    table, column, pk = quote(model._meta.db_table), quote(model._meta.get_field(field).column), \
        quote(model._meta.pk.column)
    items = list(values.items())
    for start in range(0, len(items), 2000):
        chunk = items[start:start + 2000]
        scope, scope_params = queryset.filter(pk__in=[key for key, _ in chunk]).values("pk").query.sql_with_params()
        pairs = ", ".join(["(%s, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {column} = v.value FROM (VALUES {pairs}) AS v(key, value) "  # noqa: S608
                           f"WHERE {table}.{pk} = v.key AND {table}.{pk} IN ({scope})",
                           [p for pair in chunk for p in pair] + list(scope_params))


def bindings_create_fresh(*, merchant, connection, kind, rows):
    """Bind ``rows`` (dicts: hub_id, external_id, external_parent_id and per-row fields such as
    ``remote_hash``) in one insert when neither side is bound yet (a page of new products); otherwise
    through ``bindings_save`` (which replaces stale bindings), then the per-row fields."""
    ensure_owned(connection, merchant=merchant)
    if not rows:
        return
    rows = [{**row, "hub_id": int(row["hub_id"]), "external_id": str(row["external_id"]),
             "external_parent_id": str(row.get("external_parent_id") or "")} for row in rows]
    columns = sorted({name for row in rows for name in row})
    defaults = {name: Binding._meta.get_field(name).get_default() for name in columns}
    try:
        with transaction.atomic():  # a savepoint: a side already bound makes the insert fail, nothing else
            rows_insert(Binding, common={"merchant_id": merchant.pk, "connection_id": connection.pk, "kind": kind},
                        columns=columns, rows=[tuple(row.get(name, defaults[name]) for name in columns)
                                               for row in rows])
        return
    except IntegrityError:
        pass
    bindings_save(merchant=merchant, connection=connection, kind=kind,
                  rows=[(r["hub_id"], r["external_id"], r["external_parent_id"]) for r in rows])
    extra = {k for row in rows for k in row} - {"hub_id", "external_id", "external_parent_id"}
    if extra:
        saved = {b.hub_id: b.pk for b in Binding.objects.filter(connection=connection, kind=kind,
                                                                  hub_id__any=[r["hub_id"] for r in rows])}
        queryset = Binding.objects.filter(connection=connection, kind=kind)
        for name in sorted(extra):
            column_set(queryset, name, {saved[r["hub_id"]]: r[name] for r in rows
                                        if name in r and r["hub_id"] in saved})


def _bind_variants(*, merchant, connection, rows):
    """Bind hub variants to platform variants; ``rows``: (variant, external variant, external
    product id, new). A new tracked variant starts from the platform's stock: one INITIAL ledger
    movement per platform variant, whatever the number of passes."""
    if rows and all(new for *_, new in rows):
        bindings_create_fresh(merchant=merchant, connection=connection, kind=Binding.Kind.VARIANT, rows=[
            {"hub_id": variant.pk, "external_id": ev.external_id, "external_parent_id": parent}
            for variant, ev, parent, _ in rows])
    else:
        bindings_save(merchant=merchant, connection=connection, kind=Binding.Kind.VARIANT,
                      rows=[(variant.pk, ev.external_id, parent) for variant, ev, parent, _ in rows])
    initial = [(variant, ev) for variant, ev, _, new in rows if new and ev.stock and variant.track_stock]
    if initial:
        location = location_get_default(merchant=merchant)
        stock_movements_record_many(merchant=merchant, entries=[
            {"variant": variant, "location": location, "delta": ev.stock, "reason": StockMovement.Reason.INITIAL,
             "source_connection": connection, "idempotency_key": f"initial:{connection.pk}:{ev.external_id}"}
            for variant, ev in initial])


def _low_stock(variant):
    """The platform's low-stock level as the hub keeps it (None: none set; never negative)."""
    level = variant.low_stock_level
    return None if level is None else max(0, int(level))


def pull_product(*, merchant, connection, external, price_list) -> PullOutcome:
    """Create or update the hub product for ``external`` (an ExternalProduct from ``connection``)."""
    ensure_owned(connection, merchant=merchant)
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
                      "low_stock_level": _low_stock(ev),
                      "active": True, "position": position, "price": ev.price})
    was_new = product is None
    before = product.content_hash if product else ""
    product, variants, _ = product_apply(
        merchant=merchant, product=product, title=external.title, description=external.description,
        product_type=external.product_type, brand=external.brand, options=external.options,
        images=[{"source_url": i.url, "alt": i.alt} for i in sorted(external.images, key=lambda i: i.position)],
        variants=specs, price_list=price_list, videos=list(external.videos or []),
        seo_title=(external.seo or {}).get("title") or "",
        seo_description=(external.seo or {}).get("description") or "",
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


def pull_new_products(*, merchant, connection, externals, price_list, digests=None) -> list[PullOutcome]:
    """Bring products the hub has never seen (no binding, no SKU or barcode match) into the hub in
    a few queries for the whole page; ``CatalogError`` (nothing created) when a SKU is taken."""
    ensure_owned(connection, merchant=merchant)
    created = products_create_many(merchant=merchant, price_list=price_list, specs=[{
        "title": external.title, "description": external.description, "product_type": external.product_type,
        "brand": external.brand, "options": external.options,
        "seo_title": (external.seo or {}).get("title") or "", "videos": list(external.videos or []),
        "seo_description": (external.seo or {}).get("description") or "",
        "images": [{"source_url": i.url, "alt": i.alt} for i in sorted(external.images, key=lambda i: i.position)],
        "variants": [{"sku": ev.sku, "barcode": ev.barcode, "option_values": ev.option_values,
                      "cost_price": ev.cost_price, "weight_grams": ev.weight_grams, "track_stock": ev.track_stock,
                      "low_stock_level": _low_stock(ev),
                      "active": True, "price": ev.price} for ev in external.variants],
    } for external in externals])
    digests = digests or {}
    bindings_create_fresh(merchant=merchant, connection=connection, kind=Binding.Kind.PRODUCT, rows=[
        {"hub_id": product.pk, "external_id": external.external_id,
         "remote_hash": digests.get(str(external.external_id)) or read_hash(external)}
        for (product, _), external in zip(created, externals, strict=True)])
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
    ensure_owned(connection, merchant=merchant)
    bound = set(Binding.objects.filter(connection=connection, kind=Binding.Kind.PRODUCT,
                                       external_id__any=[str(e.external_id) for e in externals])
                .values_list("external_id", flat=True))
    skus = [v.sku for e in externals for v in e.variants if v.sku]
    barcodes = {v.barcode for e in externals for v in e.variants if v.barcode}
    known_skus = set(scoped(Variant, merchant=merchant).filter(sku__any=skus).values_list("sku", flat=True))
    known_barcodes = set(scoped(Variant, merchant=merchant).filter(barcode__any=barcodes)
                         .values_list("barcode", flat=True))
    shared = {sku for sku in skus if skus.count(sku) > 1} if len(set(skus)) != len(skus) else set()
    new, rest = [], []
    for external in externals:
        unknown = str(external.external_id) not in bound and not any(
            v.sku in known_skus or v.sku in shared or v.barcode in known_barcodes for v in external.variants)
        (new if unknown else rest).append(external)
    return new, rest


def skip_unchanged(*, connection, externals, digests=None):
    """(products to look at, hub ids of those unchanged since they were last read) for a page,
    in one query: an unchanged product costs nothing more."""
    digests = digests if digests is not None else read_hashes(externals)
    known = {external_id: (hub_id, remote_hash) for external_id, hub_id, remote_hash in Binding.objects.filter(
        connection=connection, kind=Binding.Kind.PRODUCT, external_id__any=digests).values_list(
        "external_id", "hub_id", "remote_hash")}
    rest, unchanged = [], []
    for external in externals:
        hub_id, remote_hash = known.get(str(external.external_id), (None, ""))
        if hub_id is not None and remote_hash and remote_hash == digests[str(external.external_id)]:
            unchanged.append(hub_id)
        else:
            rest.append(external)
    return rest, unchanged
