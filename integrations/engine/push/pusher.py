"""``Pusher``: one pass's push of the listed products, in one or more steps (see the package's docstring)."""

import logging

from catalog.models import Product, Variant, VariantPrice
from integrations.engine.desired import desired_product, hub_products, product_hash
from integrations.engine.hub import column_set, integration_price_list
from integrations.engine.push.items import _barcode_key, _label, _Pushed
from integrations.engine.push.results import _save_results
from integrations.engine.push.writer import _Writer
from integrations.kinds import kind_for
from integrations.models import Binding, Listing
from inventory.selectors import stock_quantities
from merchants.tenancy import scoped
from synclog.models import SyncEntry

logger = logging.getLogger("flyt.engine")
CHUNK = 200


def push_listed(*, merchant, integration, connector, log, fields, dry_run, product_ids=None, target=None):
    """Push the listed products (all, or only those of ``product_ids``) to ``target`` (default: the
    integration's first target) in one step."""
    pusher = Pusher(merchant=merchant, integration=integration, target=target, connector=connector, log=log,
                    fields=fields, dry_run=dry_run, targeted=product_ids is not None)
    try:
        pusher.push(product_ids)
        pusher.finish()
    finally:
        pusher.close()


class Pusher:
    """Pushes listed products to the target in one or more steps of one pass; each product at most
    once a pass. ``targeted``: only a few products (a webhook), read from the target one by one;
    otherwise the whole target is read once, on the first step."""

    def __init__(self, *, merchant, integration, connector, log, fields, dry_run, targeted=False, target=None):
        self.merchant, self.integration, self.connector, self.log = merchant, integration, connector, log
        self.fields, self.dry_run, self.targeted = fields, dry_run, targeted
        self.target = target or integration.target
        self.label = self.target.platform_info.label
        self.price_list = integration_price_list(merchant=merchant, integration=integration)
        self.done = set()  # hub product ids pushed (or looked at) in this pass
        self.remote = None  # whole-target mode: external id -> hash of the target's copy, read once
        self.by_sku, self.by_barcode = {}, {}  # whole-target mode: codes of target products not bound yet
        self.taken = None  # external ids of the target's products bound to hub products
        self.pending = {"create": [], "update": []}  # products waiting for a full write batch
        self.placement = kind_for(integration).placement(integration, target=self.target)
        # one path on every clock: the writes go out from the writer's threads (a dry run writes nothing)
        self.writer = None if dry_run else _Writer(connector=connector, fields=fields, placement=self.placement)

    # --- the steps ------------------------------------------------------------------------------------
    def push(self, product_ids=None):
        """Push the listed products among ``product_ids`` (None: every listed product) not pushed yet."""
        self.collect()
        listed = scoped(Listing, merchant=self.merchant).filter(integration=self.integration, active=True)
        if product_ids is not None:
            listed = listed.filter(product_id__any=list(product_ids))
        listed_ids = [pid for pid in listed.order_by("product_id").values_list("product_id", flat=True)
                      if pid not in self.done]
        if not listed_ids:
            return
        self.done.update(listed_ids)
        # hub id -> external id only: memory stays small whatever the size of the catalog
        bound = dict(Binding.objects.filter(connection=self.target, kind=Binding.Kind.PRODUCT,
                                            hub_id__any=listed_ids).values_list("hub_id", "external_id"))
        if not self.targeted and self.remote is None:
            self._read_target()
        unbound = [pid for pid in listed_ids if pid not in bound]
        skipped = self._link_existing(product_ids=unbound, bound=bound)
        if self.targeted:
            remote = {}
            if bound:  # how each bound product looks on the target now
                wanted = set(bound.values())
                for external in self.connector.get_products(external_ids=sorted(wanted)):
                    if str(external.external_id) in wanted:
                        remote[str(external.external_id)] = product_hash(external, self.fields)
        else:
            remote = self.remote
        # a chunk holds at least one full write batch, so batches are never cut short by chunking
        step = max(CHUNK, self.connector.write_batch_size)
        for start in range(0, len(listed_ids), step):
            self._push_chunk(listed_ids[start:start + step], bound=bound, remote=remote, skipped=skipped)
            self.collect()

    def finish(self):
        """Wait for every write of the pass and save what came back; a write that failed the whole
        pass (the platform unreachable) raises its ConnectorError here."""
        self._flush(full_only=False)
        if self.writer is None:
            return
        while not self.writer.close(timeout=0.1):
            self.collect()  # save each write as it comes back, not all of them at the end
        self.collect()
        self.writer.raise_failure()

    def close(self):
        """End the pass's writes (also after an error): what was written gets its bindings."""
        if self.writer is None:
            return
        self.writer.close()
        try:
            self.collect()
        except Exception:  # the pass is already failing; the next pass links what lacks a binding
            logger.exception("saving the last writes of run %s failed", self.log.run.pk)

    def collect(self):
        """Save the bindings and log lines of every write that came back (main thread)."""
        if self.writer is None:
            return
        for kind, batch, results in self.writer.take():
            if kind == "create":
                self._created(batch, results)
            else:
                self._updated(batch, results)
        self.writer.raise_failure()

    # --- reading the target ----------------------------------------------------------------------------
    def _taken(self):
        if self.taken is None:
            self.taken = set(Binding.objects.filter(connection=self.target, kind=Binding.Kind.PRODUCT)
                             .values_list("external_id", flat=True))
        return self.taken

    def _read_target(self):
        """One streamed read of the whole target: the hash of each product (to notice edits made there
        and products deleted there) and the codes of the ones not bound yet (to link instead of
        duplicating). Plain strings only: memory stays small."""
        taken = self._taken()
        self.remote = {}
        for external in self.connector.iter_products():
            external_id = str(external.external_id)
            self.remote[external_id] = product_hash(external, self.fields)
            if external_id in taken:
                continue
            for variant in external.variants:
                if variant.sku:
                    self.by_sku.setdefault(variant.sku, set()).add(external_id)
                if variant.barcode:
                    self.by_barcode.setdefault(_barcode_key(variant.barcode), set()).add(external_id)

    def _link_existing(self, *, product_ids, bound):
        """First link without duplicates: unbound products that already exist on the target (same SKU,
        then same barcode) are linked, not created. Ambiguous matches are reported and skipped: returns
        the ids of the skipped products."""
        skipped = set()
        if not product_ids or (not self.targeted and not self.by_sku and not self.by_barcode):
            return skipped  # nothing to link with (a target empty of unbound products): no need to read codes
        codes = {}  # product id -> [(sku, barcode)], plain values: no model instances for a whole catalog
        for start in range(0, len(product_ids), 1000):
            for pid, sku, barcode in Variant.objects.filter(product_id__any=product_ids[start:start + 1000]) \
                    .order_by("product_id", "position", "pk").values_list("product_id", "sku", "barcode"):
                codes.setdefault(pid, []).append((sku, barcode))
        skus = {sku for rows in codes.values() for sku, _ in rows if sku}
        barcodes = {barcode for rows in codes.values() for _, barcode in rows if barcode}
        if not skus and not barcodes:
            return skipped
        if self.targeted:
            by_sku, by_barcode = {}, {}
            for external in self.connector.find_products(skus=skus, barcodes=barcodes):
                for variant in external.variants:
                    if variant.sku:
                        by_sku.setdefault(variant.sku, set()).add(str(external.external_id))
                    if variant.barcode:
                        by_barcode.setdefault(_barcode_key(variant.barcode), set()).add(str(external.external_id))
        else:
            by_sku, by_barcode = self.by_sku, self.by_barcode
        if not by_sku and not by_barcode:
            return skipped
        taken = self._taken()
        for pid, rows in codes.items():
            for attribute, index, column in (("SKU", by_sku, 0), ("barcode", by_barcode, 1)):
                keys = [row[column] if column == 0 else _barcode_key(row[column]) for row in rows if row[column]]
                found = set().union(*(index.get(key, set()) for key in keys)) - taken
                if not found:
                    continue
                product = scoped(Product, merchant=self.merchant).prefetch_related("variants").get(pk=pid)
                if len(found) > 1:
                    self.log.add(action=SyncEntry.Action.SKIPPED, object_type="product", object_ref=str(product.pk),
                                 level=SyncEntry.Level.WARNING,
                                 message=f"{_label(product)} skipped: several products on {self.label} have the same "
                                         f"{attribute} ({', '.join(sorted(found))}). Remove the duplicates on "
                                         f"{self.label}, then sync again.")
                    skipped.add(product.pk)
                    break
                external_id = found.pop()
                self.log.add(action=SyncEntry.Action.NOTE, object_type="product", object_ref=external_id,
                             message=f"{_label(product)} linked to the existing product on {self.label} with the "
                                     f"same {attribute} instead of creating a duplicate.")
                bound[product.pk] = external_id
                if not self.dry_run:
                    Binding.objects.create(merchant=self.merchant, connection=self.target, kind=Binding.Kind.PRODUCT,
                                           hub_id=product.pk, external_id=external_id, origin=Binding.Origin.LINKED)
                taken.add(external_id)
                break
        return skipped

    # --- one chunk ---------------------------------------------------------------------------------------
    def _push_chunk(self, chunk, *, bound, remote, skipped):
        merchant, target, price_list = self.merchant, self.target, self.price_list
        products = hub_products(merchant=merchant, product_ids=chunk)  # plain rows: no model instances
        variant_ids = [v.pk for p in products.values() for v in p.variants]
        variant_bindings = dict(Binding.objects.filter(connection=target, kind=Binding.Kind.VARIANT,
                                                       hub_id__any=variant_ids).values_list("hub_id", "external_id"))
        prices = dict(VariantPrice.objects.filter(price_list=price_list, variant_id__any=variant_ids)
                      .values_list("variant_id", "amount"))
        stock = stock_quantities(merchant=merchant, variant_ids=variant_ids)
        bindings = {b.hub_id: b for b in Binding.objects.filter(connection=target, kind=Binding.Kind.PRODUCT,
                                                                hub_id__any=chunk)}
        for pid in chunk:  # linked in this dry run: not saved
            if pid in bound and pid not in bindings:
                bindings[pid] = Binding(merchant=merchant, connection=target, kind=Binding.Kind.PRODUCT, hub_id=pid,
                                        external_id=bound[pid])
        to_create, to_update, remote_hashes, pushed_hashes = [], [], {}, {}
        for pid in chunk:
            if pid in skipped or pid not in products:
                continue
            product = products[pid]
            binding = bindings.get(pid)
            desired = desired_product(
                product=product, prices_included=self.integration.prices_included, price_list=price_list,
                prices=prices, product_binding=binding.external_id if binding else "",
                variant_bindings=variant_bindings,
                stock={v.pk: stock.get(v.pk, 0) for v in product.variants if v.track_stock})
            digest = product_hash(desired, self.fields)
            if binding is None:
                to_create.append((_Pushed.of(product), desired, digest))
                continue
            current = remote.get(binding.external_id)
            if current is None:
                binding.delete()  # deleted on the target: create it again
                self.log.add(action=SyncEntry.Action.NOTE, object_type="product", object_ref=binding.external_id,
                             message=f"{_label(product)} was missing on {self.label}; Flyt creates it again.")
                to_create.append((_Pushed.of(product), desired, digest))
            elif current == digest:  # the target already holds exactly this (e.g. the side it was read from)
                if not self.dry_run and binding.pk is not None:
                    if binding.last_pushed_hash != digest:
                        pushed_hashes[binding.pk] = digest
                    if not binding.remote_hash:
                        remote_hashes[binding.pk] = current
                self.log.add(action=SyncEntry.Action.UNCHANGED, object_type="product", object_ref=binding.external_id,
                             message=f"{_label(product)} is up to date on {self.label}.")
            elif binding.last_pushed_hash != digest:
                to_update.append((_Pushed.of(product), desired, digest, binding, "changed in Flyt"))
            elif binding.remote_hash and current != binding.remote_hash:
                to_update.append((_Pushed.of(product), desired, digest, binding, f"changed on {self.label}"))
            else:
                if not binding.remote_hash and not self.dry_run and binding.pk is not None:
                    remote_hashes[binding.pk] = current
                self.log.add(action=SyncEntry.Action.UNCHANGED, object_type="product", object_ref=binding.external_id,
                             message=f"{_label(product)} is up to date on {self.label}.")
        column_set(Binding.objects.filter(connection=target, kind=Binding.Kind.PRODUCT), "remote_hash", remote_hashes)
        column_set(Binding.objects.filter(connection=target, kind=Binding.Kind.PRODUCT), "last_pushed_hash",
                   pushed_hashes)
        self.pending["create"].extend(to_create)
        self.pending["update"].extend(to_update)
        self._flush(full_only=True)

    def _flush(self, *, full_only):
        """Hand the waiting products to the writer in the platform's batch sizes; with ``full_only``,
        only full batches (the rest waits for the next step, so that steps never cut batches short)."""
        size = max(1, self.connector.write_batch_size)
        for kind in ("create", "update"):
            items = self.pending[kind]
            while items and (len(items) >= size or not full_only):
                batch, items[:] = items[:size], items[size:]
                self._write(kind, batch)

    def _write(self, kind, batch):
        if self.dry_run:
            for item in batch:
                product = item[0]
                if kind == "create":
                    self.log.add(action=SyncEntry.Action.CREATED, object_type="product", object_ref=str(product.pk),
                                 message=f"{product.label} would be created on {self.label} (dry run).")
                else:
                    self.log.add(action=SyncEntry.Action.UPDATED, object_type="product", object_ref=item[3].external_id,
                                 message=f"{product.label} would be updated on {self.label} ({item[4]}; dry run).")
            return
        while not self.writer.offer(kind, batch):
            self.collect()  # the writer is busy: save what it finished meanwhile

    # --- what came back ----------------------------------------------------------------------------------
    def _created(self, batch, results):
        _save_results(merchant=self.merchant, target=self.target, created=True,
                      written=[(product, result, digest) for (product, _, digest), result
                               in zip(batch, results, strict=True) if result.ok])
        for (product, _, _), result in zip(batch, results, strict=True):
            if result.ok:
                self.log.add(action=SyncEntry.Action.CREATED, object_type="product", object_ref=result.external_id,
                             message=f"{product.label} created on {self.label}.")
            else:
                self.log.add(action=SyncEntry.Action.FAILED, object_type="product", object_ref=str(product.pk),
                             message=f"{product.label} not created on {self.label}: {result.error}")

    def _updated(self, batch, results):
        home_label = self.integration.home.platform_info.label
        for (product, _, digest, binding, why), result in zip(batch, results, strict=True):
            overwrite = why != "changed in Flyt"
            if not result.ok:
                self.log.add(action=SyncEntry.Action.FAILED, object_type="product", object_ref=binding.external_id,
                             message=f"{product.label} not updated on {self.label}: {result.error}")
                continue
            result.external_id = result.external_id or binding.external_id
            _save_results(merchant=self.merchant, target=self.target, written=[(product, result, digest)])
            message = (f"{product.label} was changed on {self.label}; it was overwritten with {home_label}'s "
                       f"version because {home_label} is the home base.") if overwrite else \
                f"{product.label} updated on {self.label}."
            self.log.add(action=SyncEntry.Action.UPDATED, object_type="product", object_ref=binding.external_id,
                         message=message, level=SyncEntry.Level.WARNING if overwrite else SyncEntry.Level.INFO)

