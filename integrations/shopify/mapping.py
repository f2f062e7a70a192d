"""Shopify JSON <-> hub DTOs, pure functions.

Shopify sends money as decimal strings in major units (``"25.00"``), so Decimals pass straight
through. External ids are the numeric ids as strings (``"8801"``), the same in REST, webhooks and
GraphQL (``gid://shopify/Product/8801`` -> ``"8801"``). Stock is written per inventory item, so a
product's ``extra["inventory_item_ids"]`` maps variant id -> inventory item id.
"""

from decimal import Decimal

from integrations.dto import (
    ExternalImage,
    ExternalOrder,
    ExternalOrderLine,
    ExternalProduct,
    ExternalStockLevel,
    ExternalVariant,
)
from integrations.dto import (
    decimal_or_none as decimal,
)
from integrations.dto import (
    iso_time_or_none as when,
)


def to_gid(kind, value):
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def from_gid(value):
    """``gid://shopify/Product/8801`` (or 8801) -> ``"8801"``; empty for None."""
    if value is None:
        return ""
    return str(value).split("?")[0].rsplit("/", 1)[-1]


def money_text(value):
    return None if value is None else f"{Decimal(value).quantize(Decimal('0.01'))}"


# --- products ---------------------------------------------------------------------------------------
def variant_from_graphql(node, *, product_id=""):
    item = node.get("inventoryItem") or {}
    return ExternalVariant(
        external_id=from_gid(node["id"]), sku=node.get("sku") or "", barcode=node.get("barcode") or "",
        price=decimal(node.get("price")), option_values={o["name"]: o["value"] for o in node.get("selectedOptions")
                                                         or [] if o["name"] != "Title"},
        track_stock=bool(item.get("tracked", True)), stock=node.get("inventoryQuantity"),
        external_parent_id=product_id,
    )


def _featured_image(node):
    """The product's featured media when it is an image: ``{"id", "url", "altText"}`` or None."""
    media = node.get("featuredMedia") or {}
    image = media.get("image") or {}
    if not image.get("url"):
        return None
    return {"id": media.get("id"), "url": image["url"], "altText": image.get("altText")}


def product_from_graphql(node, variants=None):
    """``node`` from the products query; ``variants`` all variant nodes when more than one page."""
    product_id = from_gid(node["id"])
    variant_nodes = variants if variants is not None else ((node.get("variants") or {}).get("nodes") or [])
    image = _featured_image(node)
    options = [{"name": o["name"], "values": list(o.get("values") or [])} for o in node.get("options") or []
               if o["name"] != "Title"]
    return ExternalProduct(
        external_id=product_id, title=node.get("title") or "", description=node.get("descriptionHtml") or "",
        product_type=node.get("productType") or "", brand=node.get("vendor") or "",
        status=(node.get("status") or "ACTIVE").lower(), options=options,
        categories=list(node.get("tags") or []),
        images=[ExternalImage(url=image["url"], position=1, alt=image.get("altText") or "",
                              external_id=from_gid(image.get("id")))] if image else [],
        variants=[variant_from_graphql(v, product_id=product_id) for v in variant_nodes],
        updated_at=when(node.get("updatedAt")),
        extra={"handle": node.get("handle") or "",
               "inventory_item_ids": {from_gid(v["id"]): from_gid((v.get("inventoryItem") or {}).get("id"))
                                      for v in variant_nodes}},
    )


def product_from_rest(product):
    """A REST product (``products/*`` webhook bodies and REST reads)."""
    product_id = str(product["id"])
    names = [o["name"] for o in product.get("options") or []]
    variants = []
    for v in product.get("variants") or []:
        values = {name: v.get(f"option{i}") for i, name in enumerate(names, start=1)
                  if v.get(f"option{i}") and name != "Title"}
        variants.append(ExternalVariant(
            external_id=str(v["id"]), sku=v.get("sku") or "", barcode=v.get("barcode") or "",
            price=decimal(v.get("price")), weight_grams=v.get("grams"), option_values=values,
            track_stock=v.get("inventory_management") == "shopify", stock=v.get("inventory_quantity"),
            external_parent_id=product_id))
    tags = [t.strip() for t in (product.get("tags") or "").split(",") if t.strip()]
    return ExternalProduct(
        external_id=product_id, title=product.get("title") or "", description=product.get("body_html") or "",
        product_type=product.get("product_type") or "", brand=product.get("vendor") or "",
        status=product.get("status") or "active",
        options=[{"name": o["name"], "values": list(o.get("values") or [])} for o in product.get("options") or []
                 if o["name"] != "Title"],
        categories=tags,
        images=[ExternalImage(url=i["src"], position=i.get("position") or n, alt=i.get("alt") or "",
                              external_id=str(i.get("id") or ""))
                for n, i in enumerate(product.get("images") or [], 1)],
        variants=variants, updated_at=when(product.get("updated_at")),
        extra={"handle": product.get("handle") or "",
               "inventory_item_ids": {str(v["id"]): str(v.get("inventory_item_id") or "")
                                      for v in product.get("variants") or []}},
    )


class TooManyOptions(ValueError):
    """Shopify allows at most ``MAX_OPTIONS`` options per product (``OPTIONS_OVER_LIMIT``)."""

    def __init__(self, product):
        self.product = product
        super().__init__(f"{len([o for o in product.options if o.get('values')])} options")


MAX_OPTIONS = 3


def product_set_identifier(product):
    """``productSet(identifier:)``: the product to update, or None to create one."""
    return {"id": to_gid("Product", product.external_id)} if product.external_id else None


def product_to_set_input(product, *, location_id=None):
    """A ``ProductSetInput`` for ``productSet``: the variants listed are ALL the product's variants
    (Shopify deletes the ones left out). Initial stock goes to ``location_id`` on new variants only.
    The product to update is named by ``product_set_identifier``. Raises TooManyOptions for a product
    with more than three options, which Shopify refuses."""
    options = [o for o in product.options if o.get("values")]
    if len(options) > MAX_OPTIONS:
        raise TooManyOptions(product)
    data = {"title": product.title, "descriptionHtml": product.description, "vendor": product.brand,
            "productType": product.product_type, "status": (product.status or "active").upper(),
            "tags": list(product.categories)}
    if options:
        data["productOptions"] = [{"name": o["name"], "position": n, "values": [{"name": str(v)} for v in o["values"]]}
                                  for n, o in enumerate(options, start=1)]
    if product.images:
        data["files"] = [{"originalSource": i.url, "alt": i.alt, "contentType": "IMAGE"} for i in product.images]
    variants = []
    for position, variant in enumerate(product.variants, start=1):
        entry = {"position": position, "sku": variant.sku, "barcode": variant.barcode or None,
                 "price": money_text(variant.price if variant.price is not None else Decimal("0")),
                 "inventoryPolicy": "DENY", "inventoryItem": {"tracked": variant.track_stock},
                 "optionValues": ([{"optionName": name, "name": str(value)} for name, value in
                                   variant.option_values.items()]
                                  or [{"optionName": "Title", "name": "Default Title"}])}
        if variant.external_id:
            entry["id"] = to_gid("ProductVariant", variant.external_id)
        if variant.cost_price is not None:
            entry["inventoryItem"]["cost"] = money_text(variant.cost_price)
        if variant.weight_grams is not None:
            entry["inventoryItem"]["measurement"] = {"weight": {"value": variant.weight_grams, "unit": "GRAMS"}}
        if location_id and not variant.external_id and variant.stock is not None:
            entry["inventoryQuantities"] = [{"locationId": to_gid("Location", location_id), "name": "available",
                                             "quantity": int(variant.stock)}]
        variants.append(entry)
    if variants:
        data["variants"] = variants
        if not options:
            data["productOptions"] = [{"name": "Title", "position": 1, "values": [{"name": "Default Title"}]}]
    return data


# --- the product connector: field-restricted reads and writes ---------------------------------------
WEIGHT_GRAMS = {"GRAMS": 1, "KILOGRAMS": 1000, "OUNCES": 28.349523125, "POUNDS": 453.59237}
VARIANT_FIELDS = frozenset({"price", "cost_price", "weight", "sku", "barcode", "variants", "stock"})
DEFAULT_OPTION = {"optionName": "Title", "name": "Default Title"}  # a product without options has this one


def weight_grams(weight):
    """Shopify's ``Weight`` (``{"unit", "value"}``) in whole grams; None for none (Shopify's 0 means unset)."""
    if not weight or weight.get("value") is None:
        return None
    grams = int(round(float(weight["value"]) * WEIGHT_GRAMS.get(weight.get("unit") or "GRAMS", 1)))
    return grams or None


def option_values_of(node):
    """A variant node's option values without Shopify's placeholder ``Title: Default Title``."""
    return {o["name"]: o["value"] for o in node.get("selectedOptions") or [] if o["name"] != "Title"}


def variant_from_node(node, *, product_id="", id_of="variant"):
    """``id_of``: "variant" names the variant by its ProductVariant id, "inventory_item" by its inventory item's
    id (the product connector's choice: the stock connector's variant ids are inventory items)."""
    item = node.get("inventoryItem") or {}
    return ExternalVariant(
        external_id=from_gid(item.get("id") if id_of == "inventory_item" else node["id"]), sku=node.get("sku") or "",
        barcode=node.get("barcode") or "",
        price=decimal(node.get("price")), cost_price=decimal((item.get("unitCost") or {}).get("amount")),
        weight_grams=weight_grams((item.get("measurement") or {}).get("weight")),
        option_values=option_values_of(node), track_stock=bool(item.get("tracked", True)),
        stock=node.get("inventoryQuantity"), external_parent_id=product_id)


def product_from_node(node, *, variants=None, media=None, currency=None, id_of="variant"):
    """A product of the connector's queries (``connector_queries.PRODUCT_NODE``): every field the connector
    writes. ``variants`` / ``media``: all the nodes when they did not fit on the first page. ``id_of``: what
    names a variant (see ``variant_from_node``); ``extra["inventory_item_ids"]`` maps ProductVariant ids to
    inventory item ids either way."""
    product_id = from_gid(node["id"])
    variant_nodes = variants if variants is not None else ((node.get("variants") or {}).get("nodes") or [])
    media_nodes = media if media is not None else ((node.get("media") or {}).get("nodes") or [])
    images = [m for m in media_nodes if (m.get("image") or {}).get("url")]
    seo = node.get("seo") or {}
    return ExternalProduct(
        external_id=product_id, title=node.get("title") or "", description=node.get("descriptionHtml") or "",
        product_type=node.get("productType") or "", brand=node.get("vendor") or "",
        status=(node.get("status") or "ACTIVE").lower(), visible=(node.get("status") or "ACTIVE") == "ACTIVE",
        options=[{"name": o["name"], "values": list(o.get("values") or [])} for o in node.get("options") or []
                 if o["name"] != "Title"],
        categories=list(node.get("tags") or []),
        images=[ExternalImage(url=m["image"]["url"], position=n, alt=m.get("alt") or m["image"].get("altText") or "",
                              external_id=from_gid(m.get("id"))) for n, m in enumerate(images)],
        variants=[variant_from_node(v, product_id=product_id, id_of=id_of) for v in variant_nodes],
        currency=currency, updated_at=when(node.get("updatedAt")),
        seo={"title": seo.get("title") or "", "description": seo.get("description") or ""}
        if seo.get("title") or seo.get("description") else {},
        extra={"handle": node.get("handle") or "",
               "inventory_item_ids": {from_gid(v["id"]): from_gid((v.get("inventoryItem") or {}).get("id"))
                                      for v in variant_nodes}},
    )


def options_of(product):
    """The product's options with values (``[{"name", "values"}]``), each option's values completed with the
    ones its variants use, in order; options named only on variants are added after."""
    options = [{"name": str(o["name"]), "values": [str(v) for v in o.get("values") or []]}
               for o in product.options if o.get("values") or any(o["name"] in v.option_values
                                                                   for v in product.variants)]
    by_name = {o["name"]: o for o in options}
    for variant in product.variants:
        for name, value in (variant.option_values or {}).items():
            option = by_name.get(str(name))
            if option is None:
                option = by_name[str(name)] = {"name": str(name), "values": []}
                options.append(option)
            if str(value) not in option["values"]:
                option["values"].append(str(value))
    return options


def option_key(values):
    """A variant's option values as a comparable key (``{"Size": "M"}`` -> ``(("Size", "M"),)``)."""
    return tuple(sorted((str(k), str(v)) for k, v in (values or {}).items() if k != "Title"))


def variant_set_fields(variant, fields, *, location_id=None, new=False):
    """The ``ProductVariantSetInput`` keys for ``fields`` only (no id, no option values). Initial stock goes to
    ``location_id`` on new variants only; a weight Flyt does not know is written as 0 (Shopify's unset)."""
    entry, item = {}, {}
    if "sku" in fields:
        entry["sku"] = variant.sku or ""
    if "barcode" in fields:
        entry["barcode"] = variant.barcode or None
    if "price" in fields:
        entry["price"] = money_text(variant.price if variant.price is not None else Decimal("0"))
    if "cost_price" in fields:
        item["cost"] = money_text(variant.cost_price)
    if "weight" in fields:
        item["measurement"] = {"weight": {"value": float(variant.weight_grams or 0), "unit": "GRAMS"}}
    if "stock" in fields:
        item["tracked"] = bool(variant.track_stock)
        if new and location_id and variant.track_stock and variant.stock is not None:
            entry["inventoryQuantities"] = [{"locationId": to_gid("Location", location_id), "name": "available",
                                             "quantity": int(variant.stock)}]
    if item:
        entry["inventoryItem"] = item
    return entry


def product_set_fields(product, *, fields, create):
    """The product-level ``ProductSetInput`` keys for ``fields`` (the title always on create: Shopify needs it)."""
    data = {}
    if "name" in fields or create:
        data["title"] = product.title
    if "description" in fields:
        data["descriptionHtml"] = product.description or ""
    if "seo" in fields:
        seo = product.seo or {}
        data["seo"] = {"title": seo.get("title") or "", "description": seo.get("description") or ""}
    if "images" in fields:
        data["files"] = [{"originalSource": i.url, "alt": i.alt or "", "contentType": "IMAGE"}
                         for i in sorted(product.images, key=lambda i: i.position)]
    return data


# --- stock ------------------------------------------------------------------------------------------
def _available(quantities):
    return next((int(q["quantity"]) for q in quantities or [] if q["name"] == "available"), 0)


def item_variant(item):
    """The variant of an inventory item node (``variants(first: 1) { nodes {...} }``), or {}."""
    return next(iter((item.get("variants") or {}).get("nodes") or []), None) or {}


def stock_from_location_level(node, *, location_id):
    item = node.get("item") or {}
    return ExternalStockLevel(external_variant_id=from_gid(item_variant(item).get("id")),
                              quantity=_available(node.get("quantities")), external_location_id=from_gid(location_id),
                              sku=item.get("sku") or "")


def stock_from_item_node(node):
    """All levels of one inventory item node (``nodes(ids:)`` query)."""
    return [ExternalStockLevel(external_variant_id=from_gid(item_variant(node).get("id")),
                               quantity=_available(level.get("quantities")),
                               external_location_id=from_gid((level.get("location") or {}).get("id")),
                               sku=node.get("sku") or "")
            for level in (node.get("inventoryLevels") or {}).get("nodes") or []]


# --- orders and customers --------------------------------------------------------------------------
def _amount(bag):
    return decimal(((bag or {}).get("shopMoney") or {}).get("amount"))


def order_from_graphql(node, lines=None):
    line_nodes = lines if lines is not None else ((node.get("lineItems") or {}).get("nodes") or [])
    status = "cancelled" if node.get("cancelledAt") else (node.get("displayFinancialStatus") or "").lower()
    return ExternalOrder(
        external_id=from_gid(node["id"]), status=status,
        currency=((node.get("totalPriceSet") or {}).get("shopMoney") or {}).get("currencyCode")
        or node.get("currencyCode") or "", total=_amount(node.get("totalPriceSet")),
        lines=[ExternalOrderLine(external_id=from_gid(li["id"]), quantity=int(li.get("quantity") or 0),
                                 sku=li.get("sku") or "", external_variant_id=from_gid((li.get("variant") or {})
                                                                                        .get("id")),
                                 external_product_id=from_gid((li.get("product") or {}).get("id")),
                                 unit_price=_amount(li.get("originalUnitPriceSet"))) for li in line_nodes],
        customer_email=node.get("email") or "", created_at=when(node.get("createdAt")),
        refunded_total=_amount(node.get("totalRefundedSet")),
        external_location_id=from_gid((node.get("retailLocation") or {}).get("id")),
    )


def order_from_rest(order):
    refunded = sum((decimal(t.get("amount")) or Decimal("0")) for r in order.get("refunds") or []
                   for t in r.get("transactions") or [] if t.get("kind") == "refund")
    return ExternalOrder(
        external_id=str(order["id"]),
        status="cancelled" if order.get("cancelled_at") else order.get("financial_status") or "",
        currency=order.get("currency") or "", total=decimal(order.get("total_price")),
        lines=[ExternalOrderLine(external_id=str(li["id"]), quantity=int(li.get("quantity") or 0),
                                 sku=li.get("sku") or "", external_variant_id=str(li.get("variant_id") or ""),
                                 external_product_id=str(li.get("product_id") or ""),
                                 unit_price=decimal(li.get("price"))) for li in order.get("line_items") or []],
        customer_email=order.get("email") or "", created_at=when(order.get("created_at")),
        refunded_total=refunded, external_location_id=str(order.get("location_id") or ""),
    )


def customer_from_graphql(node):
    return {"external_id": from_gid(node["id"]),
            "email": (node.get("defaultEmailAddress") or {}).get("emailAddress") or "",
            "first_name": node.get("firstName") or "", "last_name": node.get("lastName") or "",
            "phone": (node.get("defaultPhoneNumber") or {}).get("phoneNumber") or "",
            "updated_at": when(node.get("updatedAt"))}


def customer_from_rest(customer):
    return {"external_id": str(customer["id"]), "email": customer.get("email") or "",
            "first_name": customer.get("first_name") or "", "last_name": customer.get("last_name") or "",
            "phone": customer.get("phone") or "", "updated_at": when(customer.get("updated_at"))}
