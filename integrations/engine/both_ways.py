"""Products synced both ways: each member is read, and the hub takes only what that member shares with
the other side.

Three rules keep both sides whole:

- **Shared fields only.** A member's copy changes the hub only in the fields it shares with the other
  member (``fields_in``); everything else of the hub product (what only the other side holds, e.g. a
  barcode the member has no field for) is kept as it is.
- **Flyt's own writes are not changes.** A member's copy that is exactly what Flyt last wrote there
  (``Binding.last_pushed_hash`` over the fields Flyt writes to it) is an echo, not an edit.
- **The newest change wins.** A product changed on both sides since the last pass keeps the change
  made last (the platforms' ``updated_at``); the log names the product, both platforms and which
  change was kept. The other side is then overwritten by the push that follows.
"""

from dataclasses import replace

from catalog.models import Product
from integrations.dto import ExternalProduct, ExternalVariant
from integrations.engine.desired import desired_product, product_hash
from integrations.engine.hub import PullOutcome, pull_product, read_hash
from integrations.models import Binding
from merchants.tenancy import scoped
from synclog.models import SyncEntry

_PRODUCT_FIELDS = {"name": "title", "description": "description", "images": "images", "seo": "seo",
                   "videos": "videos"}
_VARIANT_FIELDS = {"price": ("price",), "cost_price": ("cost_price",), "weight": ("weight_grams",),
                   "sku": ("sku",), "barcode": ("barcode",), "low_stock": ("low_stock_level",),
                   "stock": ("track_stock",)}


def _match(variant: ExternalVariant, hub_variants, taken):
    for attribute in ("sku", "barcode"):
        value = getattr(variant, attribute)
        if value:
            found = next((h for h in hub_variants if id(h) not in taken and getattr(h, attribute) == value), None)
            if found is not None:
                return found
    return None


def merged_external(*, hub: ExternalProduct, external: ExternalProduct, fields) -> ExternalProduct:
    """``external`` (a member's copy) with every field outside ``fields`` taken from ``hub`` (the hub
    product as a platform would hold it): what the hub should become from this member's change."""
    product = {attr: getattr(external if name in fields else hub, attr) for name, attr in _PRODUCT_FIELDS.items()}
    taken, variants = set(), []
    for position, variant in enumerate(external.variants):
        own = _match(variant, hub.variants, taken)
        if own is None and "variants" not in fields and position < len(hub.variants):
            own = hub.variants[position]
        if own is None:  # new on the member: all it has
            variants.append(variant)
            continue
        taken.add(id(own))
        kept = {attr: getattr(own, attr) for name, attrs in _VARIANT_FIELDS.items() if name not in fields
                for attr in attrs}
        if "variants" not in fields:
            kept["option_values"] = own.option_values
        variants.append(replace(variant, **kept))
    return replace(external, **product, variants=variants,
                   options=external.options if "variants" in fields else hub.options,
                   product_type=hub.product_type or external.product_type, brand=hub.brand or external.brand)


class BothWays:
    """One pass's reading of both-ways members (see the module docstring). ``start`` names the member
    read next and its field sets; ``changed`` remembers the products changed by members read before."""

    def __init__(self, *, integration):
        self.integration = integration
        self.changed = {}  # hub product id -> (updated_at, platform label) changed earlier in this pass
        self.source = self.fields_in = self.fields_out = None

    def start(self, *, source, fields_in, fields_out):
        self.source, self.fields_in, self.fields_out = source, fields_in, fields_out

    def own_changes(self, *, merchant, connection, externals, log):
        """(the products changed on the member itself, hub ids of those that are Flyt's own writes)."""
        bindings = {b.external_id: b for b in scoped(Binding, merchant=merchant).filter(
            connection=connection, kind=Binding.Kind.PRODUCT, external_id__any=[str(e.external_id) for e in externals])}
        rest, echoes = [], []
        for external in externals:
            binding = bindings.get(str(external.external_id))
            if binding is not None and binding.last_pushed_hash and \
                    product_hash(external, self.fields_out) == binding.last_pushed_hash:
                echoes.append(binding.hub_id)
                # read as it is now: the next pass skips it by its hash without comparing again
                Binding.objects.filter(pk=binding.pk).update(remote_hash=read_hash(external))
            else:
                rest.append(external)
        return rest, echoes

    def pull(self, *, merchant, connection, external, price_list, digest, log=None) -> PullOutcome:
        """Bring one changed product of the member into the hub by the three rules."""
        binding = scoped(Binding, merchant=merchant).filter(connection=connection, kind=Binding.Kind.PRODUCT,
                                                            external_id=str(external.external_id)).first()
        product = scoped(Product, merchant=merchant).prefetch_related("variants", "images").filter(
            pk=binding.hub_id).first() if binding else None
        label = connection.platform_info.label
        if product is not None and product.pk in self.changed:
            when, where = self.changed[product.pk]
            mine = external.updated_at
            newer = mine is not None and (when is None or mine > when)
            kept, lost = (label, where) if newer else (where, label)
            self._log_conflict(log, product, external, kept=kept, lost=lost)
            if not newer:
                return PullOutcome("unchanged", product)
        if product is not None:
            hub = desired_product(product=product, prices_included=True, price_list=price_list)
            external_in = merged_external(hub=hub, external=external, fields=self.fields_in)
        else:
            external_in = external
        outcome = pull_product(merchant=merchant, connection=connection, external=external_in,
                               price_list=price_list)
        if outcome.product is not None:
            # what the member holds now, in the terms the push compares: its copy is in step with the hub
            scoped(Binding, merchant=merchant).filter(
                connection=connection, kind=Binding.Kind.PRODUCT, hub_id=outcome.product.pk).update(
                remote_hash=digest, last_pushed_hash=product_hash(external, self.fields_out))
            if outcome.action in ("created", "updated"):
                self.changed[outcome.product.pk] = (external.updated_at, label)
        return outcome

    @staticmethod
    def _log_conflict(log, product, external, *, kept, lost):
        if log is None:
            return
        log.add(action=SyncEntry.Action.NOTE, object_type="product", object_ref=str(external.external_id),
                level=SyncEntry.Level.WARNING,
                message=f"Product '{product.title}' was changed on both {kept} and {lost} since the last sync: "
                        f"the newest change, made on {kept}, was kept and {lost}'s copy is overwritten with it.")
