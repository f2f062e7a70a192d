"""The application's one error base. Every layer may import it (the tenancy app is below all).

A ``FlytError`` is a request that cannot be carried out, with a message for the merchant in
plain words. The domain errors (``CatalogError``, ``InventoryError``, ``StockProblem``,
``ConnectionProblem``, ``MerchantError``) are its subclasses, so an ``except`` of either keeps
working. Views need not catch them: ``merchants.middleware.FlytErrorMiddleware`` answers a
``NotOwned`` with 404 and any other ``FlytError`` with its message, in one place.
"""

from django.utils.translation import gettext_lazy


class FlytError(Exception):
    """A request that cannot be carried out; ``message`` says why, in words for the merchant."""

    default_message = gettext_lazy("That cannot be done.")

    def __init__(self, message=None, *args):
        self.message = self.default_message if message is None else message
        super().__init__(self.message, *args)

    def __str__(self):
        return str(self.message)


class NotOwned(FlytError):
    """An object of another merchant was handed to a service. Answered 404, never 403: a 403 would
    tell that the object exists."""

    default_message = gettext_lazy("That belongs to another shop.")
