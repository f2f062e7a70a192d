"""What every catalog write shares: the error it raises. (The same-shop check is
``merchants.tenancy.ensure_owned``.)"""

from merchants.errors import FlytError


class CatalogError(FlytError):
    """A catalog change that cannot be made; the message is for people."""
