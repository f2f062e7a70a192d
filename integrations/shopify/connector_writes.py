"""The Shopify product connector's writes: ``productSet`` creates and updates (several aliased into one
request, only the given fields) and ``productDelete``. See ``integrations.shopify.connector`` for the story.
"""

from dataclasses import dataclass

from django.utils.translation import gettext

from integrations.contracts.products import PRODUCT_FIELDS, WriteResult
from integrations.errors import ConnectorError
from integrations.paging import pages
from integrations.shopify import connector_queries as q
from integrations.shopify import mapping
from integrations.shopify.connector_support import (
    CONNECTION_STATUSES,
    currencies_differ,
    gone,
    label,
    refused,
    refused_call,
    too_many_options,
    too_many_variants,
    variant_key,
)

PRODUCT_SET_PER_REQUEST = 25  # productSet mutations aliased into one request (10 cost points each)
DELETE_PER_REQUEST = 50  # productDelete mutations aliased into one request
MAX_VARIANTS = 2048  # variants per product from API 2024-07 on
LEGACY_MAX_VARIANTS, MAX_VARIANTS_FROM = 100, "2024-07"
CURRENT_VARIANTS_FIRST = 20  # variants per product when an update first reads the products' variants
WRITABLE = frozenset({"name", "description", "price", "cost_price", "weight", "variants", "images", "stock", "sku",
                      "barcode", "seo"}) & PRODUCT_FIELDS


def max_variants(api_version):
    return MAX_VARIANTS if api_version >= MAX_VARIANTS_FROM else LEGACY_MAX_VARIANTS


@dataclass
class _Job:
    index: int
    product: object
    identifier: dict | None
    data: dict
    note: str = ""


def _option_inputs(options):
    if not options:
        return [{"name": "Title", "position": 1, "values": [{"name": "Default Title"}]}]
    return [{"name": o["name"], "position": n, "values": [{"name": v} for v in o["values"]]}
            for n, o in enumerate(options, start=1)]


def _option_values(values):
    return [{"optionName": str(k), "name": str(v)} for k, v in (values or {}).items()] or [mapping.DEFAULT_OPTION]


class ShopifyWrites:
    """Mixed into ``ShopifyConnector``: uses its ``client``, ``account_currency`` and ``location_id``."""

    # --- creating ------------------------------------------------------------------------------------
    def create_products(self, *, products, fields, placement=None):
        fields = frozenset(fields) & WRITABLE
        status = "DRAFT" if (placement or {}).get("visible") is False else "ACTIVE"
        location = self.location_id() if "stock" in fields else None
        results, jobs = [None] * len(products), []
        for index, product in enumerate(products):
            written, note = self._price_guard(product, fields)
            problem = self._problem(product)
            if problem:
                results[index] = WriteResult(ok=False, error=problem)
                continue
            data = {**self._set_input(product, written, create=True, location_id=location), "status": status}
            jobs.append(_Job(index=index, product=product, identifier=None, data=data, note=note))
        self._send(jobs, results)
        return results

    # --- updating ------------------------------------------------------------------------------------
    def update_products(self, *, products, fields):
        fields = frozenset(fields) & WRITABLE
        results, jobs = [None] * len(products), []
        location = self.location_id() if "stock" in fields and "variants" in fields else None  # for new variants
        current = self._current([p.external_id for p in products if p.external_id]) \
            if fields & mapping.VARIANT_FIELDS else None
        for index, product in enumerate(products):
            if not product.external_id:
                results[index] = WriteResult(ok=False, error=gettext(
                    "Product %(product)s is not linked to a Shopify product yet.") % {"product": label(product)})
                continue
            if current is not None and product.external_id not in current:
                results[index] = WriteResult(ok=False, external_id=product.external_id, error=gone(product))
                continue
            written, note = self._price_guard(product, fields)
            problem = self._problem(product) if "variants" in written else ""
            if problem:
                results[index] = WriteResult(ok=False, external_id=product.external_id, error=problem)
                continue
            data = self._set_input(product, written, create=False, location_id=location,
                                   current=current.get(product.external_id) if current is not None else None)
            if not data:  # nothing Shopify holds is written
                results[index] = WriteResult(ok=True, external_id=product.external_id, error=note, variant_ids={
                    variant_key(v, i): v.external_id for i, v in enumerate(product.variants) if v.external_id})
                continue
            jobs.append(_Job(index=index, product=product, data=data, note=note,
                             identifier={"id": mapping.to_gid("Product", product.external_id)}))
        self._send(jobs, results)
        return results

    def _current(self, ids):
        """{product id: {"options": [...], "variants": [nodes]}} of the products that still exist."""
        found = {}
        for node in self._nodes(q.CURRENT, ids, {"variantsFirst": CURRENT_VARIANTS_FIRST}):
            conn = node.get("variants") or {}
            variants = list(conn.get("nodes") or [])
            info = conn.get("pageInfo") or {}
            if info.get("hasNextPage"):
                variants.extend(self.client.iter_connection(q.CURRENT_VARIANTS, {"id": node["id"]},
                                                            ("product", "variants"), after=info.get("endCursor")))
            found[mapping.from_gid(node["id"])] = {"options": node.get("options") or [], "variants": variants}
        return found

    # --- the input -----------------------------------------------------------------------------------
    def _price_guard(self, product, fields):
        """(fields, note): prices in another currency than the shop's are never written."""
        if not product.currency or not fields & {"price", "cost_price"}:
            return fields, ""
        currency = self.account_currency()
        if product.currency.upper() == currency.upper():
            return fields, ""
        return fields - {"price", "cost_price"}, currencies_differ(product, currency)

    def _problem(self, product):
        """What Shopify would refuse about ``product``, found before sending ("" when fine)."""
        options = mapping.options_of(product)
        if len(options) > mapping.MAX_OPTIONS:
            return too_many_options(product, len(options), mapping.MAX_OPTIONS)
        limit = max_variants(self.client.api_version)
        if len(product.variants) > limit:
            return too_many_variants(product, len(product.variants), limit)
        return ""

    def _set_input(self, product, fields, *, create, location_id=None, current=None):
        """The ``ProductSetInput`` writing ``fields`` of ``product``. Variants are listed (all of them: Shopify
        deletes the ones left out) on create and whenever a variant field is written."""
        data = mapping.product_set_fields(product, fields=fields, create=create)
        if not create and not fields & mapping.VARIANT_FIELDS:
            return data
        if create or "variants" in fields:
            data["productOptions"] = _option_inputs(mapping.options_of(product))
            data["variants"] = self._hub_variants(product, fields, location_id, current)
        else:
            data["productOptions"] = [{"id": o["id"], "name": o["name"], "position": o.get("position") or n,
                                       "values": [{"name": v} for v in o.get("values") or []]}
                                      for n, o in enumerate(current["options"], start=1)]
            data["variants"] = self._shopify_variants(product, fields, current)
        return data

    def _hub_variants(self, product, fields, location_id, current):
        """The hub's variant list; variants Shopify has keep their ids (by id, else by SKU)."""
        have = (current or {}).get("variants") or []
        by_item = {_item_id(v): v["id"] for v in have}
        by_sku = {v["sku"]: v["id"] for v in have if v.get("sku")}
        used, entries = set(), []
        for position, variant in enumerate(product.variants, start=1):
            found = by_item.get(variant.external_id) or by_sku.get(variant.sku or None)
            found = None if found in used else found
            entry = {"position": position, "optionValues": _option_values(variant.option_values),
                     **mapping.variant_set_fields(variant, fields, location_id=location_id, new=found is None)}
            if found:
                entry["id"] = found
                used.add(found)
            entries.append(entry)
        return entries

    def _shopify_variants(self, product, fields, current):
        """Shopify's own variant list, unchanged but for ``fields`` of the variants the hub has."""
        by_id = {v.external_id: v for v in product.variants if v.external_id}
        by_sku = {v.sku: v for v in product.variants if v.sku}
        entries, used = [], set()
        for node in current["variants"]:
            variant = by_id.get(_item_id(node)) or by_sku.get(node.get("sku") or None)
            variant = None if id(variant) in used else variant
            values = {o["name"]: o["value"] for o in node.get("selectedOptions") or []}
            entry = {"id": node["id"], "optionValues": [{"optionName": k, "name": v} for k, v in values.items()]}
            if variant is not None:
                used.add(id(variant))
                entry.update(mapping.variant_set_fields(variant, fields))
            entries.append(entry)
        return entries

    # --- sending -------------------------------------------------------------------------------------
    def _send(self, jobs, results):
        for chunk in pages(jobs, PRODUCT_SET_PER_REQUEST):
            try:
                data = self._product_set(chunk)
            except ConnectorError as exc:
                if exc.retryable or exc.status in CONNECTION_STATUSES or "ACCESS_DENIED" in exc.detail.get("codes", ()):
                    raise
                if len(chunk) > 1:  # refused as a whole: each product alone, so each gets its own answer
                    for job in chunk:
                        self._send([job], results)
                    continue
                job = chunk[0]
                results[job.index] = WriteResult(ok=False, external_id=(job.identifier and
                                                                        mapping.from_gid(job.identifier["id"])) or "",
                                                 error=refused_call(job.product, exc))
                continue
            for n, job in enumerate(chunk):
                results[job.index] = self._result(job, data.get(f"p{n}") or {})

    def _product_set(self, chunk):
        declarations = ", ".join(f"$i{n}: ProductSetIdentifiers, $p{n}: ProductSetInput!" for n in range(len(chunk)))
        body = "\n".join(f"p{n}: productSet(identifier: $i{n}, input: $p{n}, synchronous: true) {{ {q.SET_FIELDS} }}"
                         for n in range(len(chunk)))
        variables = {}
        for n, job in enumerate(chunk):
            variables[f"i{n}"], variables[f"p{n}"] = job.identifier, job.data
        return self.client.graphql(f"mutation FlytConnectorSet({declarations}) {{\n{body}\n}}", variables,
                                   what="save products")

    def _result(self, job, payload):
        product, external_id = job.product, mapping.from_gid((job.identifier or {}).get("id"))
        errors = payload.get("userErrors") or []
        node = payload.get("product")
        if errors or not node:
            if job.identifier and any(e.get("code") in ("NOT_FOUND", "PRODUCT_DOES_NOT_EXIST") for e in errors):
                return WriteResult(ok=False, external_id=external_id, error=gone(product))
            return WriteResult(ok=False, external_id=external_id, error=refused(product, errors))
        conn = node.get("variants") or {}
        nodes = list(conn.get("nodes") or [])
        info = conn.get("pageInfo") or {}
        if info.get("hasNextPage"):
            nodes.extend(self.client.iter_connection(q.CURRENT_VARIANTS, {"id": node["id"]}, ("product", "variants"),
                                                     after=info.get("endCursor")))
        return WriteResult(ok=True, external_id=mapping.from_gid(node["id"]), error=job.note,
                           variant_ids=_variant_ids(product, nodes))

    # --- deleting ------------------------------------------------------------------------------------
    def delete_products(self, *, external_ids):
        """``productDelete``, several per request; products Shopify no longer has are not an error."""
        ids = list(dict.fromkeys(str(i) for i in external_ids if str(i)))
        for chunk in pages(ids, DELETE_PER_REQUEST):
            declarations = ", ".join(f"$d{n}: ProductDeleteInput!" for n in range(len(chunk)))
            body = "\n".join(f"d{n}: productDelete(input: $d{n}, synchronous: true) {{ {q.DELETE_FIELDS} }}"
                             for n in range(len(chunk)))
            data = self.client.graphql(f"mutation FlytConnectorDelete({declarations}) {{\n{body}\n}}",
                                       {f"d{n}": {"id": mapping.to_gid("Product", i)} for n, i in enumerate(chunk)},
                                       what="delete products")
            refused_ids = {i: (data.get(f"d{n}") or {}).get("userErrors") for n, i in enumerate(chunk)
                           if (data.get(f"d{n}") or {}).get("userErrors")}
            still = self.existing_ids(external_ids=list(refused_ids)) if refused_ids else set()
            if still:  # refused and still there (a product already gone answers "does not exist")
                reason = "; ".join(e.get("message") or "" for i in still for e in refused_ids[i])
                raise ConnectorError(gettext("Shopify refused to delete %(count)s product(s): %(reason)s") % {
                    "count": len(still), "reason": reason}, retryable=False, status=422, platform="shopify",
                    detail={"product_ids": sorted(still)})


def _item_id(node):
    """The inventory item id of a variant node: how Flyt names a Shopify variant."""
    return mapping.from_gid((node.get("inventoryItem") or {}).get("id"))


def _variant_ids(product, nodes):
    """Hub variant key -> Shopify variant (its inventory item id): by the id the hub knows, else by option
    values, else by SKU."""
    ids = {_item_id(n) for n in nodes}
    by_options = {mapping.option_key(mapping.option_values_of(n)): _item_id(n) for n in nodes}
    by_sku = {n["sku"]: _item_id(n) for n in nodes if n.get("sku")}
    found = {}
    for index, variant in enumerate(product.variants):
        variant_id = variant.external_id if variant.external_id in ids else (
            by_options.get(mapping.option_key(variant.option_values)) or by_sku.get(variant.sku or None))
        if variant_id:
            found[variant_key(variant, index)] = variant_id
    return found
