"""Push: make the target platform hold what the hub says for every listed product.

Only changed products are written: a product's desired state is hashed over the fields the
integration writes and compared with what was last pushed; edits made on the target itself are
noticed by comparing the target's own copy with how it looked after our last write, and are
overwritten (the home base wins) with a line in the log saying so.
"""

import logging

from django.db import transaction

from catalog.models import Product, Variant, VariantPrice
from catalog.services import price_list_get_default
from integrations.engine.desired import active_variants, desired_product, product_hash, variant_key
from integrations.models import Binding, Listing
from integrations.services.bindings import bindings_save
from inventory.selectors import stock_quantities
from merchants.tenancy import scoped
from synclog.models import SyncEntry

logger = logging.getLogger("flyt.engine")
CHUNK = 200


def _label(product):
    skus = [v.sku for v in product.variants.all() if v.sku]
    return f"Product '{product.title}'" + (f" (SKU {skus[0]})" if len(skus) == 1 else "")


def push_listed(*, merchant, integration, connector, log, fields, dry_run, product_ids=None):
    target = integration.target
    label = target.platform_info.label
    listed = scoped(Listing, merchant=merchant).filter(integration=integration, active=True)
    if product_ids is not None:
        listed = listed.filter(product_id__in=product_ids)
    listed_ids = list(listed.order_by("product_id").values_list("product_id", flat=True))
    if not listed_ids:
        return
    # hub id -> external id only: memory stays small whatever the size of the catalog
    bound = dict(Binding.objects.filter(connection=target, kind=Binding.Kind.PRODUCT, hub_id__in=listed_ids)
                 .values_list("hub_id", "external_id"))
    unbound = [pid for pid in listed_ids if pid not in bound]
    skipped = _link_existing(merchant=merchant, integration=integration, connector=connector, product_ids=unbound,
                             bound=bound, log=log, dry_run=dry_run, label=label)
    remote = {}
    if bound:  # how each bound product looks on the target now (one streamed read)
        wanted = set(bound.values())
        for external in (connector.get_products(external_ids=sorted(wanted)) if product_ids is not None
                         else connector.iter_products()):
            if str(external.external_id) in wanted:
                remote[str(external.external_id)] = product_hash(external, fields)
    price_list = price_list_get_default(merchant=merchant)
    # a chunk holds at least one full write batch, so batches are never cut short by chunking
    step = max(CHUNK, connector.write_batch_size)
    for start in range(0, len(listed_ids), step):
        chunk = listed_ids[start:start + step]
        products = {p.pk: p for p in scoped(Product, merchant=merchant).filter(pk__in=chunk)
                    .prefetch_related("variants", "images")}
        variant_ids = [v.pk for p in products.values() for v in p.variants.all()]
        variant_bindings = dict(Binding.objects.filter(connection=target, kind=Binding.Kind.VARIANT,
                                                       hub_id__in=variant_ids).values_list("hub_id", "external_id"))
        prices = dict(VariantPrice.objects.filter(price_list=price_list, variant_id__in=variant_ids)
                      .values_list("variant_id", "amount"))
        stock = stock_quantities(merchant=merchant, variant_ids=variant_ids)
        bindings = {b.hub_id: b for b in Binding.objects.filter(connection=target, kind=Binding.Kind.PRODUCT,
                                                                hub_id__in=chunk)}
        for pid in chunk:  # linked in this dry run: not saved
            if pid in bound and pid not in bindings:
                bindings[pid] = Binding(merchant=merchant, connection=target, kind=Binding.Kind.PRODUCT, hub_id=pid,
                                        external_id=bound[pid])
        to_create, to_update = [], []
        for pid in chunk:
            if pid in skipped:
                continue
            product = products[pid]
            binding = bindings.get(pid)
            desired = desired_product(
                product=product, prices_included=integration.prices_included, price_list=price_list, prices=prices,
                product_binding=binding.external_id if binding else "", variant_bindings=variant_bindings,
                stock={v.pk: stock.get(v.pk, 0) for v in product.variants.all() if v.track_stock})
            digest = product_hash(desired, fields)
            if binding is None:
                to_create.append((product, desired, digest))
                continue
            current = remote.get(binding.external_id)
            if current is None:
                binding.delete()  # deleted on the target: create it again
                log.add(action=SyncEntry.Action.NOTE, object_type="product", object_ref=binding.external_id,
                        message=f"{_label(product)} was missing on {label}; Flyt creates it again.")
                to_create.append((product, desired, digest))
            elif binding.last_pushed_hash != digest:
                to_update.append((product, desired, digest, binding, "changed in Flyt"))
            elif binding.remote_hash and current is not None and current != binding.remote_hash:
                to_update.append((product, desired, digest, binding, f"changed on {label}"))
            else:
                if current is not None and not binding.remote_hash and not dry_run:
                    Binding.objects.filter(pk=binding.pk).update(remote_hash=current)
                log.add(action=SyncEntry.Action.UNCHANGED, object_type="product", object_ref=binding.external_id,
                        message=f"{_label(product)} is up to date on {label}.")
        _create(merchant=merchant, integration=integration, connector=connector, items=to_create, fields=fields,
                log=log, dry_run=dry_run)
        _update(merchant=merchant, integration=integration, connector=connector, items=to_update, fields=fields,
                log=log, dry_run=dry_run)


def _link_existing(*, merchant, integration, connector, product_ids, bound, log, dry_run, label):
    """First link without duplicates: unbound products that already exist on the target (same SKU,
    then same barcode) are linked, not created. Ambiguous matches are reported and skipped: returns
    the ids of the skipped products."""
    skipped = set()
    if not product_ids:
        return skipped
    codes = {}  # product id -> [(sku, barcode)], plain values: no model instances for a whole catalog
    for start in range(0, len(product_ids), 1000):
        for pid, sku, barcode in Variant.objects.filter(product_id__in=product_ids[start:start + 1000]) \
                .order_by("product_id", "position", "pk").values_list("product_id", "sku", "barcode"):
            codes.setdefault(pid, []).append((sku, barcode))
    skus = {sku for rows in codes.values() for sku, _ in rows if sku}
    barcodes = {barcode for rows in codes.values() for _, barcode in rows if barcode}
    if not skus and not barcodes:
        return skipped
    by_sku, by_barcode = {}, {}
    for external in connector.find_products(skus=skus, barcodes=barcodes):
        for variant in external.variants:
            if variant.sku:
                by_sku.setdefault(variant.sku, set()).add(str(external.external_id))
            if variant.barcode:
                by_barcode.setdefault(variant.barcode, set()).add(str(external.external_id))
    target = integration.target
    taken = set(Binding.objects.filter(connection=target, kind=Binding.Kind.PRODUCT).values_list("external_id",
                                                                                                  flat=True))
    for pid, rows in codes.items():
        for attribute, index, column in (("SKU", by_sku, 0), ("barcode", by_barcode, 1)):
            found = set().union(*(index.get(row[column], set()) for row in rows if row[column])) - taken
            if not found:
                continue
            product = scoped(Product, merchant=merchant).prefetch_related("variants").get(pk=pid)
            if len(found) > 1:
                log.add(action=SyncEntry.Action.SKIPPED, object_type="product", object_ref=str(product.pk),
                        level=SyncEntry.Level.WARNING,
                        message=f"{_label(product)} skipped: several products on {label} have the same {attribute} "
                                f"({', '.join(sorted(found))}). Remove the duplicates on {label}, then sync again.")
                skipped.add(product.pk)
                break
            external_id = found.pop()
            log.add(action=SyncEntry.Action.NOTE, object_type="product", object_ref=external_id,
                    message=f"{_label(product)} linked to the existing product on {label} with the same "
                            f"{attribute} instead of creating a duplicate.")
            bound[product.pk] = external_id
            if not dry_run:
                Binding.objects.create(merchant=merchant, connection=target, kind=Binding.Kind.PRODUCT,
                                       hub_id=product.pk, external_id=external_id)
            taken.add(external_id)
            break
    return skipped


def _placement(integration):
    return {"category": "PayPal Zettle", "visible": False} if integration.home_platform == "zettle" else {}


def _save_results(*, merchant, target, written):
    """Bind every (product, result, digest) written in one batch, in a few queries."""
    if not written:
        return
    with transaction.atomic():
        bindings_save(merchant=merchant, connection=target, kind=Binding.Kind.PRODUCT,
                      rows=[(product.pk, result.external_id, "") for product, result, _ in written])
        digests = {product.pk: digest for product, _, digest in written}
        saved = list(Binding.objects.filter(connection=target, kind=Binding.Kind.PRODUCT, hub_id__in=digests))
        for binding in saved:
            binding.last_pushed_hash, binding.remote_hash = digests[binding.hub_id], ""
        Binding.objects.bulk_update(saved, ["last_pushed_hash", "remote_hash"])
        rows = []
        for product, result, _ in written:
            for position, variant in enumerate(active_variants(product)):
                external_id = result.variant_ids.get(variant_key(variant, position))
                if external_id:
                    rows.append((variant.pk, external_id, result.external_id))
        bindings_save(merchant=merchant, connection=target, kind=Binding.Kind.VARIANT, rows=rows)


def _create(*, merchant, integration, connector, items, fields, log, dry_run):
    target = integration.target
    label = target.platform_info.label
    size = max(1, connector.write_batch_size)
    for start in range(0, len(items), size):
        batch = items[start:start + size]
        if dry_run:
            for product, _, _ in batch:
                log.add(action=SyncEntry.Action.CREATED, object_type="product", object_ref=str(product.pk),
                        message=f"{_label(product)} would be created on {label} (dry run).")
            continue
        results = connector.create_products(products=[d for _, d, _ in batch], fields=fields,
                                            placement=_placement(integration))
        _save_results(merchant=merchant, target=target,
                      written=[(product, result, digest) for (product, _, digest), result
                               in zip(batch, results, strict=True) if result.ok])
        for (product, _, _), result in zip(batch, results, strict=True):
            if result.ok:
                log.add(action=SyncEntry.Action.CREATED, object_type="product", object_ref=result.external_id,
                        message=f"{_label(product)} created on {label}.")
            else:
                log.add(action=SyncEntry.Action.FAILED, object_type="product", object_ref=str(product.pk),
                        message=f"{_label(product)} not created on {label}: {result.error}")


def _update(*, merchant, integration, connector, items, fields, log, dry_run):
    target = integration.target
    label, home_label = target.platform_info.label, integration.home.platform_info.label
    size = max(1, connector.write_batch_size)
    for start in range(0, len(items), size):
        batch = items[start:start + size]
        if not dry_run:
            results = connector.update_products(products=[d for _, d, _, _, _ in batch], fields=fields)
        for index, (product, _, digest, binding, why) in enumerate(batch):
            overwrite = why != "changed in Flyt"
            if dry_run:
                log.add(action=SyncEntry.Action.UPDATED, object_type="product", object_ref=binding.external_id,
                        message=f"{_label(product)} would be updated on {label} ({why}; dry run).")
                continue
            result = results[index]
            if not result.ok:
                log.add(action=SyncEntry.Action.FAILED, object_type="product", object_ref=binding.external_id,
                        message=f"{_label(product)} not updated on {label}: {result.error}")
                continue
            result.external_id = result.external_id or binding.external_id
            _save_results(merchant=merchant, target=target, written=[(product, result, digest)])
            message = (f"{_label(product)} was changed on {label}; it was overwritten with {home_label}'s version "
                       f"because {home_label} is the home base.") if overwrite else \
                f"{_label(product)} updated on {label}."
            log.add(action=SyncEntry.Action.UPDATED, object_type="product", object_ref=binding.external_id,
                    message=message, level=SyncEntry.Level.WARNING if overwrite else SyncEntry.Level.INFO)


def target_product_remove(*, merchant, integration, product_id, delete_copy, log, reason, connector=None):
    """Stop syncing a hub product to the target; delete its copy there when ``delete_copy``."""
    from integrations.registry import connector_for

    target = integration.target
    product = scoped(Product, merchant=merchant).filter(pk=product_id).first()
    binding = Binding.objects.filter(connection=target, kind=Binding.Kind.PRODUCT, hub_id=product_id).first()
    if binding is not None and delete_copy:
        (connector or connector_for(target)).delete_products(external_ids=[binding.external_id])
    if binding is not None:
        variant_ids = list(product.variants.values_list("pk", flat=True)) if product else []
        Binding.objects.filter(connection=target, kind=Binding.Kind.VARIANT, hub_id__in=variant_ids).delete()
        binding.delete()
    log.add(action=SyncEntry.Action.SKIPPED, object_type="product", object_ref=str(product_id),
            level=SyncEntry.Level.WARNING,
            message=f"{_label(product) if product else 'A product'} {reason}.")
