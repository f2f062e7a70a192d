"""Variants and product images in the BigCommerce sandbox's Catalog V3."""

from integrations.bigcommerce.sandbox.catalog import VARIANT_WRITABLE
from integrations.bigcommerce.sandbox.common import (
    V3,
    body_json,
    envelope,
    id_set,
    iso,
    paginate,
    to_float,
    too_large,
    v3_error,
)
from integrations.sandbox.core import SandboxResponse, route

VARIANT_BATCH_MAX = 50
MONEY_FIELDS = ("price", "cost_price", "sale_price", "retail_price", "map_price", "weight")


class VariantsMixin:
    @route("GET", V3 + r"/catalog/products/(?P<product_id>\d+)/variants")
    def product_variants(self, request, account, store_hash, product_id):
        product = self._find_product(account, product_id)
        variants = [self.render_variant(account, account["variants"][str(v)]) for v in product["_variant_ids"]]
        chunk, meta = paginate(request, variants)
        return envelope(chunk, meta)

    @route("GET", V3 + "/catalog/variants")
    def list_variants(self, request, account, store_hash):
        ids, products = id_set(request, "id:in"), id_set(request, "product_id:in")
        skus = id_set(request, "sku:in", cast=str)
        if request.arg("sku"):
            skus = (skus or set()) | {request.arg("sku")}
        upc = request.arg("upc")
        variants = [v for v in sorted(account["variants"].values(), key=lambda v: v["id"])
                    if (ids is None or v["id"] in ids) and (products is None or v["product_id"] in products)
                    and (skus is None or v["sku"] in skus) and (upc is None or v["upc"] == upc)]
        chunk, meta = paginate(request, variants)
        return envelope([self.render_variant(account, v) for v in chunk], meta)

    @route("POST", V3 + r"/catalog/products/(?P<product_id>\d+)/variants")
    def create_product_variant(self, request, account, store_hash, product_id):
        product = self._find_product(account, product_id)
        body = body_json(request)
        if not isinstance(body, dict) or not body.get("option_values"):
            raise v3_error(422, "JSON data is missing or invalid", {"option_values": "error.path.missing"})
        self._check_unique(account, skus=[body.get("sku", "")])
        variant = self._add_variant(account, product, body)
        if product["base_variant_id"]:  # the product now has options: its base variant goes
            self._drop_variant(account, product, product["base_variant_id"])
            product["base_variant_id"] = None
            product["inventory_tracking"] = "variant" if product["inventory_tracking"] != "none" else "none"
        product["date_modified"] = iso(self.clock.now())
        self.emit(account, "store/sku/created", {"type": "sku", "id": variant["sku_id"],
                                                 "sku": {"product_id": product["id"], "variant_id": variant["id"]}})
        return envelope(self.render_variant(account, variant))

    def _drop_variant(self, account, product, variant_id):
        variant = account["variants"].pop(str(variant_id))
        account["stock"].pop(str(variant_id), None)
        product["_variant_ids"].remove(int(variant_id))
        return variant

    @route("DELETE", V3 + r"/catalog/products/(?P<product_id>\d+)/variants/(?P<variant_id>\d+)")
    def delete_product_variant(self, request, account, store_hash, product_id, variant_id):
        product = self._find_product(account, product_id)
        if int(variant_id) not in product["_variant_ids"]:
            raise v3_error(404, "The requested variant was not found.")
        variant = self._drop_variant(account, product, variant_id)
        product["date_modified"] = iso(self.clock.now())
        self.emit(account, "store/sku/deleted", {"type": "sku", "id": variant["sku_id"],
                                                 "sku": {"product_id": product["id"], "variant_id": variant["id"]}})
        return SandboxResponse(status=204)

    @route("PUT", V3 + "/catalog/variants")
    def update_variants(self, request, account, store_hash):
        body = body_json(request)
        if not isinstance(body, list):
            raise v3_error(422, "JSON data is missing or invalid", {"body": "An array of variants is required."})
        if len(body) > VARIANT_BATCH_MAX:
            raise too_large(VARIANT_BATCH_MAX, period=False)
        missing = [i for i, item in enumerate(body) if not isinstance(item, dict) or not item.get("id")]
        if missing:
            raise v3_error(422, "JSON data is missing or invalid", {f"[{i}].id": "error.path.missing" for i in missing})
        variants = []
        for item in body:
            variant = account["variants"].get(str(item["id"]))
            if variant is None:
                raise v3_error(422, "JSON data is missing or invalid", {"id": f"Variant {item['id']} does not exist."})
            if "sku" in item and item["sku"] != variant["sku"]:
                self._check_unique(account, skus=[item["sku"]])
            variants.append(variant)
        for variant, item in zip(variants, body, strict=True):
            for key in VARIANT_WRITABLE:
                if key in item:
                    numeric = key in MONEY_FIELDS and item[key] is not None
                    variant[key] = to_float(item[key]) if numeric else item[key]
            product = account["products"][str(variant["product_id"])]
            product["date_modified"] = iso(self.clock.now())
            if "inventory_level" in item:
                self.set_on_hand(account, variant["id"], self.default_location(account), int(item["inventory_level"]))
            self.emit(account, "store/sku/updated", {"type": "sku", "id": variant["sku_id"],
                                                     "sku": {"product_id": variant["product_id"],
                                                             "variant_id": variant["id"]}})
        return envelope([self.render_variant(account, v) for v in variants])

    @route("GET", V3 + r"/catalog/products/(?P<product_id>\d+)/images")
    def product_images(self, request, account, store_hash, product_id):
        product = self._find_product(account, product_id)
        chunk, meta = paginate(request, product["images"])
        return envelope(chunk, meta)

    @route("POST", V3 + r"/catalog/products/(?P<product_id>\d+)/images")
    def create_product_image(self, request, account, store_hash, product_id):
        product = self._find_product(account, product_id)
        body = body_json(request) or {}
        if not body.get("image_url"):
            raise v3_error(422, "JSON data is missing or invalid", {"image_url": "error.path.missing"})
        image = self._add_image(account, product, body)
        return envelope(image)

    @route("DELETE", V3 + r"/catalog/products/(?P<product_id>\d+)/images/(?P<image_id>\d+)")
    def delete_product_image(self, request, account, store_hash, product_id, image_id):
        product = self._find_product(account, product_id)
        kept = [i for i in product["images"] if i["id"] != int(image_id)]
        if len(kept) == len(product["images"]):
            raise v3_error(404, "The requested image was not found.")
        product["images"] = kept
        return SandboxResponse(status=204)
