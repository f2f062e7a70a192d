"""Bindings: which hub object is which platform object, per connection."""

from django.db.models import Q

from integrations.models import Binding
from merchants.tenancy import ensure_owned


def bindings_save(*, merchant, connection, kind, rows, **fields):
    """Record that each ``(hub_id, external_id, external_parent_id)`` in ``rows`` belongs
    together, replacing any binding of either side to something else. ``fields`` (e.g.
    ``last_pushed_hash``) are set on every row. A few queries whatever the number of rows."""
    ensure_owned(connection, merchant=merchant)
    rows = [(int(hub_id), str(external_id), str(parent or "")) for hub_id, external_id, parent in rows]
    if not rows:
        return
    hub_ids, external_ids = {r[0] for r in rows}, {r[1] for r in rows}
    existing = list(Binding.objects.filter(connection=connection, kind=kind).filter(
        Q(hub_id__any=hub_ids) | Q(external_id__any=external_ids)))
    keep = {(b.hub_id, b.external_id): b for b in existing}
    stale = [b.pk for b in existing if (b.hub_id, b.external_id) not in {(r[0], r[1]) for r in rows}]
    if stale:
        Binding.objects.filter(pk__in=stale).delete()
    new, changed = [], []
    for hub_id, external_id, parent in rows:
        binding = keep.get((hub_id, external_id))
        if binding is None:
            new.append(Binding(merchant=merchant, connection=connection, kind=kind, hub_id=hub_id,
                               external_id=external_id, external_parent_id=parent, **fields))
            continue
        updates = {"external_parent_id": parent, **fields}
        if any(getattr(binding, k) != v for k, v in updates.items()):
            for k, v in updates.items():
                setattr(binding, k, v)
            changed.append(binding)
    Binding.objects.bulk_create(new)
    if changed:
        Binding.objects.bulk_update(changed, ["external_parent_id", *fields])
