"""Integration kinds: what is special to each kind of integration, declared once as its policy.

The engine runs every integration the same way (pull the home base into the hub, push the listed
products to each target); a kind only answers the questions the engine and the setup wizard ask:
which fields go from one platform to the other, where a new product is placed, what each platform is
asked to prepare, which pulled products are listed, and the wizard's steps. Adding a kind = one module
here + one line in ``KINDS``.
"""

from integrations.kinds.base import IntegrationKind, Step
from integrations.kinds.product_sync import ProductSync
from integrations.kinds.zettle_bigcommerce import ZettleBigCommerce

KINDS = {kind.key: kind for kind in (ZettleBigCommerce(), ProductSync())}
KIND_CHOICES = [(kind.key, kind.label) for kind in KINDS.values()]


class UnknownKind(LookupError):
    pass


def kind_get(key) -> IntegrationKind:
    try:
        return KINDS[key]
    except KeyError:
        raise UnknownKind(f"Flyt has no integration kind {key!r}.") from None


def kind_for(integration) -> IntegrationKind:
    return kind_get(integration.kind)


__all__ = ["KINDS", "KIND_CHOICES", "IntegrationKind", "Step", "UnknownKind", "kind_for", "kind_get"]
