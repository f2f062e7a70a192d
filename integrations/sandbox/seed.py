"""Realistic catalogs for the sandboxes: names, SKUs, EAN-13 barcodes, prices, options, images,
stock. Deterministic for a given seed, so benchmarks and tests are repeatable."""

import random
import zlib
from dataclasses import dataclass, field

_ADJECTIVES = ["Nordic", "Linen", "Wool", "Oak", "Stoneware", "Cotton", "Birch", "Copper", "Felt", "Glass",
               "Leather", "Ceramic", "Organic", "Vintage", "Arctic", "Harbour", "Fjord", "Meadow", "Pine", "Amber"]
_NOUNS = ["mug", "apron", "socks", "tote", "scarf", "candle", "bowl", "blanket", "cap", "notebook", "vase",
          "cushion", "plate", "jug", "mittens", "beanie", "tray", "lamp", "basket", "towel"]
_TYPES = {"mug": "Kitchen", "apron": "Kitchen", "bowl": "Kitchen", "plate": "Kitchen", "jug": "Kitchen",
          "tray": "Kitchen", "socks": "Clothing", "scarf": "Clothing", "cap": "Clothing", "mittens": "Clothing",
          "beanie": "Clothing"}
_OPTION_SETS = [("Size", ["S", "M", "L", "XL", "XXL"]), ("Colour", ["Blue", "Sand", "Charcoal", "Moss", "Rust"]),
                ("Volume", ["25 cl", "35 cl", "50 cl", "75 cl", "1 l"])]


@dataclass
class SeedVariant:
    sku: str
    barcode: str
    price_minor: int  # in minor units (øre/cents)
    cost_minor: int
    weight_grams: int
    stock: int
    options: dict = field(default_factory=dict)  # {"Size": "M"}


@dataclass
class SeedProduct:
    name: str
    description: str
    product_type: str
    brand: str
    variants: list
    images: list  # URLs
    option_names: list = field(default_factory=list)

    @property
    def sku(self):
        return self.variants[0].sku if len(self.variants) == 1 else self.variants[0].sku.rsplit("-", 1)[0]


def ean13(number: int) -> str:
    """A valid EAN-13 from a 12-digit number (the 13th digit is the check digit)."""
    digits = f"{number % 10**12:012d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def catalog(count: int, *, variants: int = 1, seed: int = 1, prefix: str = "FLY", currency_minor: int = 100,
            start: int = 0):
    """``count`` products with ``variants`` variants each (1 = a simple product), numbered from
    ``start`` (catalogs with different starts have different names, SKUs and barcodes)."""
    rng = random.Random(seed)
    products = []
    # barcodes differ between catalogs with different prefixes, as they would between suppliers
    barcode_base = 570_000_000_000 + (zlib.crc32(prefix.encode()) % 900) * 100_000_000
    for n in range(start, start + count):
        adjective, noun = _ADJECTIVES[n % len(_ADJECTIVES)], _NOUNS[(n // len(_ADJECTIVES)) % len(_NOUNS)]
        name = f"{adjective} {noun} {n + 1}"
        base_sku = f"{prefix}-{n + 1:06d}"
        price = rng.choice([49, 79, 89, 119, 149, 199, 249, 299, 449, 599]) * currency_minor
        option_name, option_values = _OPTION_SETS[n % len(_OPTION_SETS)]
        option_names = [option_name] if variants > 1 else []
        product_variants = []
        for v in range(variants):
            value = option_values[v % len(option_values)] if v < len(option_values) else f"{option_name} {v + 1}"
            product_variants.append(SeedVariant(
                sku=f"{base_sku}-{v + 1}" if variants > 1 else base_sku,
                barcode=ean13(barcode_base + n * 100 + v),
                price_minor=price,
                cost_minor=int(price * 0.45),
                weight_grams=rng.choice([120, 250, 400, 650, 900]),
                stock=rng.randint(0, 40),
                options={option_name: value} if variants > 1 else {},
            ))
        products.append(SeedProduct(
            name=name,
            description=f"<p>{adjective} {noun}, made in the Nordics. Item {n + 1}.</p>",
            product_type=_TYPES.get(noun, "Home"),
            brand="Flyt Demo",
            variants=product_variants,
            images=[f"https://images.flyt.example/products/{base_sku.lower()}-{i}.jpg" for i in range(1, 3)],
            option_names=option_names,
        ))
    return products
