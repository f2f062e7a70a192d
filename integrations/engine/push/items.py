"""What the push keeps of a hub product while its write is under way, and how it names one."""

from dataclasses import dataclass

from integrations.engine.desired import active_variants, rows_of, variant_key


def _label(product):
    skus = [v.sku for v in rows_of(product.variants) if v.sku]
    return f"Product '{product.title}'" + (f" (SKU {skus[0]})" if len(skus) == 1 else "")


@dataclass(frozen=True, slots=True)
class _Pushed:
    """What the engine keeps of a product while its write is under way (no model instances, so that
    the batches waiting for the writer stay small)."""

    pk: int
    label: str
    variants: tuple  # ((variant id, variant key), ...) of the active variants, in order

    @classmethod
    def of(cls, product):
        return cls(product.pk, _label(product),
                   tuple((v.pk, variant_key(v, i)) for i, v in enumerate(active_variants(product))))


def _barcode_key(barcode):
    """EAN-13 and GTIN-14 spellings of one barcode (leading zeros) are one key."""
    return str(barcode).lstrip("0") or str(barcode)

