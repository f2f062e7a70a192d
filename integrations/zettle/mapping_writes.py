"""Zettle bodies for the product connector's writes, restricted to the fields being written: a new
product's body and the merge patch of an existing one. Pure functions (apart from minting uuids for
new products and variants); the read side and the money units are in ``integrations.zettle.mapping``.
"""

import copy
import html
import re

from integrations.dto import ExternalProduct, ExternalVariant
from integrations.zettle.mapping import ONLINE_IMAGES_MAX, money_to_minor, new_uuid1

# --- field-restricted writes (the product connector) -------------------------------------------------
VARIANT_LEVEL_FIELDS = frozenset({"sku", "barcode", "price", "cost_price", "variants"})


def plain_text(text) -> str:
    """Zettle descriptions are plain text shown at the POS: tags dropped, entities decoded."""
    text = re.sub(r"<(br|/p|/div|/li)\s*/?>", "\n", text or "", flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


def _money(amount, currency):
    return {"amount": money_to_minor(amount, currency), "currencyId": currency}


def variant_written(variant: ExternalVariant, *, fields, currency: str, base: dict | None = None) -> dict:
    """``base`` (the variant as Zettle has it; None for a new one) with the hub's values for ``fields``
    and nothing else. A new variant always gets its options and a price (the DTO's, 0 when prices are
    not included); an existing one keeps every key ``fields`` does not name."""
    new = base is None
    body = copy.deepcopy(base) if base else {"uuid": variant.external_id or new_uuid1()}

    def put(key, value):
        if value in (None, ""):
            body.pop(key, None)
        else:
            body[key] = value

    if "sku" in fields:
        put("sku", variant.sku)
    if "barcode" in fields:
        put("barcode", variant.barcode)
    if new or ("price" in fields and variant.price is not None):
        body["price"] = _money(variant.price or 0, currency)
    if "cost_price" in fields and variant.cost_price is not None:
        body["costPrice"] = _money(variant.cost_price, currency)
    if new or "variants" in fields:
        body["options"] = [{"name": str(k), "value": str(v)} for k, v in variant.option_values.items()]
        put("name", " / ".join(str(v) for v in variant.option_values.values()))
    return body


def option_definitions(product: ExternalProduct) -> dict | None:
    """``variantOptionDefinitions`` from the product's options (or, lacking them, its variants')."""
    options = [o for o in product.options or [] if o.get("values")]
    if not options:
        names = list(dict.fromkeys(k for v in product.variants for k in v.option_values))
        options = [{"name": n, "values": list(dict.fromkeys(v.option_values[n] for v in product.variants
                                                           if n in v.option_values))} for n in names]
    if not options:
        return None
    return {"definitions": [{"name": str(o["name"]), "properties": [{"value": str(v)} for v in o["values"]]}
                            for o in options]}


def images_written(images) -> dict:
    """The POS shows one image per product: the first image's URL as ``presentation.imageUrl``; image
    lookup keys only for images that came from Zettle (``external_id``). Every image also goes to the
    product's online presentation (the first as ``displayImageUrl``, up to 25 more as
    ``additionalImageUrls``). None values remove."""
    ordered = [i for i in sorted(images or [], key=lambda i: i.position) if i.url]
    if not ordered:
        return {"presentation": {"imageUrl": None}, "imageLookupKeys": None,
                "online": {"presentation": {"displayImageUrl": None, "additionalImageUrls": None}}}
    keys = [i.external_id for i in ordered if i.external_id]
    rest = [i.url for i in ordered[1:ONLINE_IMAGES_MAX + 1]]
    return {"presentation": {"imageUrl": ordered[0].url}, "imageLookupKeys": keys or None,
            "online": {"presentation": {"displayImageUrl": ordered[0].url, "additionalImageUrls": rest or None}}}


def online_written(product: ExternalProduct, *, fields, current=None) -> dict:
    """The ``online`` keys for ``fields`` (weight: the first variant's, as ``shipping.weightInGrams``; Zettle
    has one weight per product). ``online.status`` is required: a product without online properties gets
    HIDDEN (Flyt never publishes a product in Zettle's online store)."""
    online = {}
    if "weight" in fields:
        weight = next((v.weight_grams for v in product.variants if v.weight_grams is not None), None)
        online["shipping"] = {"weightInGrams": int(weight) if weight is not None else None}
    # the POS image carries a single image: online images only for more, or to keep what Zettle shows online
    if "images" in fields and (len([i for i in product.images if i.url]) > 1 or (current or {}).get("presentation")):
        online.update(images_written(product.images).get("online") or {})
    if online and not (current or {}).get("status"):
        online["status"] = "HIDDEN"
    return online


def product_create_body(product: ExternalProduct, *, fields, currency: str, vat_percentage="") -> dict:
    """A new Product Library body with a fresh client-chosen uuid (variants too), writing only ``fields``
    (plus the name and variants Zettle needs). No category, folder or tax code; VAT is the organization's
    default rate (``vat_percentage``, from its merchant information), or, for an organization without VAT,
    Zettle's own default tax (``createWithDefaultTax``)."""
    variants = product.variants or [ExternalVariant(external_id="")]
    body = {"uuid": new_uuid1(), "name": product.title.strip(),
            "variants": [variant_written(replace_id(v), fields=fields, currency=currency) for v in variants]}
    if vat_percentage not in (None, ""):
        body["vatPercentage"] = str(vat_percentage)
    else:
        body["createWithDefaultTax"] = True
    if "description" in fields and plain_text(product.description):
        body["description"] = plain_text(product.description)
    definitions = option_definitions(product)
    if definitions:
        body["variantOptionDefinitions"] = definitions
    if "images" in fields and product.images:
        body.update({k: v for k, v in images_written(product.images).items() if v is not None and k != "online"})
    online = _without_none(online_written(product, fields=fields))
    if online.keys() - {"status"}:
        body["online"] = online
    return body


def _without_none(value):
    """A body for a create: None (which removes in a merge patch) left out, at every depth."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None and _without_none(v) != {}}
    return value


def replace_id(variant: ExternalVariant) -> ExternalVariant:
    """The variant with a fresh Zettle uuid (hub DTOs may carry another platform's id)."""
    return ExternalVariant(**{**variant.__dict__, "external_id": new_uuid1()})


def merged_variants(current: list, variants: list, *, fields, currency: str):
    """The variant list to PUT (merge patch replaces lists whole): Zettle's variants with the hub's values
    for ``fields``, matched by uuid then SKU. With "variants" in ``fields`` the list follows the hub (new
    ones added with fresh uuids, missing ones removed); without, it keeps Zettle's variants as they are.
    Returns (list, {index in ``variants``: uuid})."""
    by_uuid = {v.get("uuid"): v for v in current}
    by_sku = {v.get("sku"): v for v in current if v.get("sku")}
    written, ids, used = [], {}, set()
    for index, variant in enumerate(variants):
        base = by_uuid.get(variant.external_id) or (by_sku.get(variant.sku) if variant.sku else None)
        if base is not None and base.get("uuid") in used:
            base = None
        if base is None and "variants" not in fields:
            continue
        body = variant_written(variant if base is not None else replace_id(variant), fields=fields,
                               currency=currency, base=base)
        used.add(body["uuid"])
        ids[index] = body["uuid"]
        written.append(body)
    if "variants" not in fields:
        updated = {v["uuid"]: v for v in written}
        written = [updated.get(v.get("uuid"), v) for v in current]
    return written, ids


def _online_patch(have: dict, online: dict) -> dict:
    """The part of ``online`` that changes ``have`` (one level down: merge patch merges nested objects)."""
    patch = {}
    for key, value in online.items():
        if isinstance(value, dict):
            now = have.get(key) or {}
            sub = {k: v for k, v in value.items() if now.get(k) != v and not (v is None and k not in now)}
            if sub:
                patch[key] = sub
        elif have.get(key) != value and not (value is None and key not in have):
            patch[key] = value
    return patch


def product_patch(current: dict, product: ExternalProduct, *, fields, currency: str):
    """The merge patch that makes ``current`` (a Zettle product) show the hub's ``fields`` and changes
    nothing else (VAT, category, tax code, unit stay Zettle's); only keys that differ are in it.
    Returns (patch, {index in product.variants: variant uuid})."""
    wanted = {}
    if "name" in fields:
        wanted["name"] = product.title.strip()
    if "description" in fields:
        wanted["description"] = plain_text(product.description) or None
    if "images" in fields:
        wanted.update({k: v for k, v in images_written(product.images).items() if k != "online"})
    online = _online_patch(current.get("online") or {}, online_written(product, fields=fields,
                                                                      current=current.get("online")))
    if online:
        wanted["online"] = online
    variants, ids = merged_variants(current.get("variants") or [], product.variants, fields=fields,
                                    currency=currency)
    if fields & VARIANT_LEVEL_FIELDS:
        wanted["variants"] = variants
    if "variants" in fields:
        wanted["variantOptionDefinitions"] = option_definitions(product)
    patch = {}
    for key, value in wanted.items():
        have = current.get(key)
        if isinstance(value, dict) and isinstance(have, dict):
            value = {k: v for k, v in value.items() if have.get(k) != v}
            if value:
                patch[key] = value
        elif have != value and not (value is None and key not in current):
            patch[key] = value
    return patch, ids
