"""The questions a kind of integration answers (see the package docstring)."""

from dataclasses import dataclass

from integrations.models import Listing

PRICE_FIELDS = frozenset({"price", "cost_price"})


@dataclass(frozen=True)
class Step:
    key: str
    label: str  # translatable (gettext_lazy), shown in the wizard's step list


class IntegrationKind:
    key = ""
    label = ""
    steps: tuple = ()  # the setup wizard's steps, in order (``Step``)
    platforms: tuple | None = None  # the platforms this kind connects (None: any)
    one_to_one = False  # one account of each platform belongs to one integration of this kind only

    # --- the engine's questions -------------------------------------------------------------------------
    def fields_from(self, *, home: str, target: str) -> frozenset:
        """Every field the home base's products carry to the target (platform keys), prices included."""
        raise NotImplementedError

    def fields(self, integration, *, target, source=None) -> frozenset:
        """What a pass writes to ``target`` from ``source`` (default: the home base): the kind's fields,
        without prices unless they are included."""
        fields = self.fields_from(home=(source or integration.home).platform, target=target.platform)
        return fields if integration.prices_included else fields - PRICE_FIELDS

    def placement(self, integration, *, target) -> dict:
        """Create-time-only choices for a new product on ``target`` (never touched by later updates)."""
        return {}

    def prepare_options(self, integration, *, connection, role) -> dict:
        """What ``connection``'s platform is asked to set up for its ``role`` ("home" or "target")."""
        return {}

    def listing_source(self, integration, *, newly_bound) -> str | None:
        """Whether (and why) a product pulled from the home base syncs to the targets: a
        ``Listing.Source``, or None for "not unless the merchant selects it"."""
        return Listing.Source.HOME

    def unlisted_reason(self, integration, *, target) -> str:
        """Why a product the home base still has but no longer offers stopped syncing (for the log)."""
        return (f"is no longer offered by {integration.home.platform_info.label}; its sync stopped and its copy on "
                f"{target.platform_info.label} is left as it is")

    def selectable(self, integration) -> bool:
        """Whether the merchant chooses the products to sync in Flyt (else the home base decides)."""
        return False

    def steps_for(self, integration) -> list:
        return list(self.steps)
