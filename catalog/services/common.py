"""What every catalog write shares: the error it raises and the same-shop check."""


class CatalogError(Exception):
    """A catalog change that cannot be made; the message is for people."""


def _same_merchant(merchant, *objects):
    for obj in objects:
        if obj is not None and obj.merchant_id != merchant.pk:
            raise CatalogError(f"{obj._meta.verbose_name.capitalize()} {obj.pk} belongs to another shop.")
