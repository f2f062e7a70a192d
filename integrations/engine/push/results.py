"""What a write leaves behind in the hub: bindings; and stopping a product's sync to the target."""

from django.db import transaction

from catalog.models import Product
from integrations.engine.bindings import bindings_save
from integrations.engine.hub import bindings_create_fresh
from integrations.engine.push.items import _label
from integrations.models import Binding
from integrations.registry import connector_for
from merchants.tenancy import scoped
from synclog.models import SyncEntry


def _save_results(*, merchant, target, written, created=False):
    """Bind every (``_Pushed``, result, digest) written in one batch, in a few queries. ``created``: the
    products were just created on the target (fresh ids there), so their bindings are usually new."""
    if not written:
        return
    with transaction.atomic():
        variant_rows = []
        for pushed, result, _ in written:
            for variant_pk, key in pushed.variants:
                external_id = result.variant_ids.get(key)
                if external_id:
                    variant_rows.append({"hub_id": variant_pk, "external_id": external_id,
                                         "external_parent_id": result.external_id})
        if created:  # Flyt made these on the target: removing the synced products may delete them
            bindings_create_fresh(merchant=merchant, connection=target, kind=Binding.Kind.PRODUCT, rows=[
                {"hub_id": product.pk, "external_id": result.external_id, "last_pushed_hash": digest,
                 "remote_hash": "", "origin": Binding.Origin.CREATED.value} for product, result, digest in written])
            bindings_create_fresh(merchant=merchant, connection=target, kind=Binding.Kind.VARIANT,
                                  rows=[{**row, "origin": Binding.Origin.CREATED.value} for row in variant_rows])
            return
        bindings_save(merchant=merchant, connection=target, kind=Binding.Kind.PRODUCT,
                      rows=[(product.pk, result.external_id, "") for product, result, _ in written])
        digests = {product.pk: digest for product, _, digest in written}
        saved = list(Binding.objects.filter(connection=target, kind=Binding.Kind.PRODUCT, hub_id__any=digests))
        for binding in saved:
            binding.last_pushed_hash, binding.remote_hash = digests[binding.hub_id], ""
        Binding.objects.bulk_update(saved, ["last_pushed_hash", "remote_hash"])
        bindings_save(merchant=merchant, connection=target, kind=Binding.Kind.VARIANT,
                      rows=[(r["hub_id"], r["external_id"], r["external_parent_id"]) for r in variant_rows])


def target_product_remove(*, merchant, integration, product_id, delete_copy, log, reason, connector=None,
                          target=None):
    """Stop syncing a hub product to ``target`` (default: the integration's first target); delete its
    copy there when ``delete_copy``."""
    target = target or integration.target
    product = scoped(Product, merchant=merchant).filter(pk=product_id).first()
    binding = Binding.objects.filter(connection=target, kind=Binding.Kind.PRODUCT, hub_id=product_id).first()
    if binding is not None and delete_copy and binding.origin != Binding.Origin.CREATED:
        # the product was on the target before Flyt linked it: never delete it, only stop syncing it
        delete_copy = False
        reason = (f"is no longer synced; its product on {target.platform_info.label} was there before Flyt "
                  "linked it, so it is left as it is")
    if binding is not None and delete_copy:
        (connector or connector_for(target)).delete_products(external_ids=[binding.external_id])
    if binding is not None:
        variant_ids = list(product.variants.values_list("pk", flat=True)) if product else []
        Binding.objects.filter(connection=target, kind=Binding.Kind.VARIANT, hub_id__in=variant_ids).delete()
        binding.delete()
    log.add(action=SyncEntry.Action.SKIPPED, object_type="product", object_ref=str(product_id),
            level=SyncEntry.Level.WARNING,
            message=f"{_label(product) if product else 'A product'} {reason}.")
