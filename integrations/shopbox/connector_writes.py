"""The Shopbox product connector's writes: creates (then their initial stock in the stock branch), updates,
variance types and deletes (products made inactive). See ``integrations.shopbox.connector`` for the whole story.
"""

import logging

from django.utils.translation import gettext as _

from integrations.contracts.products import WriteResult
from integrations.errors import ConnectorError
from integrations.shopbox import mapping
from integrations.shopbox.connector_support import (
    CONNECTION_STATUSES,
    label,
    refusal_reason,
    refused_positions,
    variant_key,
)

logger = logging.getLogger("flyt.shopbox")


class ShopboxWrites:
    """Mixed into ``ShopboxConnector``: uses its ``client``, ``write_batch_size``, ``account_currency`` and
    ``stock_branch_id``."""

    # --- creating -------------------------------------------------------------------------------------
    def create_products(self, *, products, fields, placement=None):
        fields = frozenset(fields)
        tags = _placement_tags(placement)
        type_ids = self._variance_types(products) if "variants" in fields else {}
        guarded = [self._price_guard(p, fields) for p in products]
        bodies = [mapping.product_write_body(p, fields=written, tags=tags,
                                             variance_type_ids=_type_ids_of(p, type_ids) if type_ids else None)
                  for p, (written, _note) in zip(products, guarded, strict=True)]
        results = _noted(self._send(products, bodies, fields=fields, creating=True), guarded)
        if "stock" in fields:
            self._initial_stock(products, results)
        return results

    def _initial_stock(self, products, results):
        """Each new variant's stock level in the stock branch (absolute quantities, 100 records a call).
        Variants Flyt does not track stock for get none. A refusal leaves the products created and says so."""
        levels, touched = [], []
        for index, (product, result) in enumerate(zip(products, results, strict=True)):
            if not result.ok:
                continue
            for position, variant in enumerate(product.variants):
                variant_id = result.variant_ids.get(variant_key(variant, position))
                if variant_id and variant.track_stock and variant.stock is not None:
                    levels.append((int(variant_id), int(variant.stock)))
                    touched.append(index)
        if not levels:
            return
        try:
            branch_id = int(self.stock_branch_id())
            self.client.set_inventories(records=[{"variant_id": variant_id, "branch_id": branch_id,
                                                  "quantity": quantity} for variant_id, quantity in levels])
        except ConnectorError as exc:
            if exc.status in CONNECTION_STATUSES:
                raise
            for index in dict.fromkeys(touched):
                results[index].error = _(
                    "Product %(product)s was created in Shopbox but its stock could not be set (%(reason)s); the "
                    "next stock sync sets it.") % {"product": label(products[index]), "reason": exc.message}

    # --- updating -------------------------------------------------------------------------------------
    def update_products(self, *, products, fields):
        fields = frozenset(fields)
        results = [None] * len(products)
        linked = [n for n, p in enumerate(products) if p.external_id]
        for n, product in enumerate(products):
            if not product.external_id:
                results[n] = WriteResult(ok=False, error=_("Product %(product)s is not linked to a Shopbox product "
                                                           "yet.") % {"product": label(product)})
        type_ids = self._variance_types([products[n] for n in linked]) if "variants" in fields and linked else {}
        guarded = [self._price_guard(products[n], fields) for n in linked]
        bodies = []
        for n, (written, _note) in zip(linked, guarded, strict=True):
            bodies.append(mapping.product_write_body(products[n], fields=written, shopbox_id=products[n].external_id,
                                                     variance_type_ids=_type_ids_of(products[n], type_ids)
                                                     if type_ids else None))
        sent = _noted(self._send([products[n] for n in linked], bodies, fields=fields, creating=False), guarded)
        for n, result in zip(linked, sent, strict=True):
            results[n] = result
        return results

    def _price_guard(self, product, fields):
        """(fields to write, note): prices in another currency than the Shopbox account's (when known) are not
        written; a new product then has Shopbox's price 0."""
        if not ({"price", "cost_price"} & fields) or not product.currency:
            return fields, ""
        currency = self.account_currency()
        if not currency or product.currency.upper() == currency.upper():
            return fields, ""
        return fields - {"price", "cost_price"}, _(
            "Product %(product)s: prices not synced to Shopbox — currencies differ (%(ours)s in Flyt vs %(theirs)s "
            "in Shopbox).") % {"product": label(product), "ours": product.currency, "theirs": currency}

    # --- deleting -------------------------------------------------------------------------------------
    def delete_products(self, *, external_ids):
        """Shopbox's API has no delete: the products are made inactive (off the till and out of Flyt's
        reads), ``write_batch_size`` a call. Ids Shopbox does not know (any more) are not an error."""
        ids = list(dict.fromkeys(str(i) for i in external_ids if i))
        for start in range(0, len(ids), self.write_batch_size):
            chunk = ids[start:start + self.write_batch_size]
            self._upsert(list(enumerate({"id": mapping.id_out(i), mapping.PRODUCT_KEYS["active"]: False}
                                        for i in chunk)))

    # --- the calls ------------------------------------------------------------------------------------
    def _send(self, products, bodies, *, fields, creating):
        """One ``create-or-update`` per ``write_batch_size`` products: one WriteResult per product, in order."""
        results = []
        for start in range(0, len(bodies), self.write_batch_size):
            chunk = list(enumerate(bodies[start:start + self.write_batch_size], start))
            answers = self._upsert(chunk)
            for index, _body in chunk:
                results.append(_result(products[index], answers[index], fields=fields, creating=creating))
        return results

    def _upsert(self, items):
        """Send ``[(index, body)]`` in one call: {index: the saved product, or {field: [messages]} when Shopbox
        refused that item}. Shopbox checks a whole request before saving any of it and names the first bad
        item: that one is set aside and the rest sent again; a refusal naming no item is retried one by one.
        Shopbox unreachable or the login refused is raised (ConnectorError) for the whole batch."""
        answers, pending = {}, list(items)
        while pending:
            try:
                saved = self.client.upsert_products(products=[body for _index, body in pending])
            except ConnectorError as exc:
                if exc.retryable or exc.status in CONNECTION_STATUSES:
                    raise
                named = {pos: problems for pos, problems in refused_positions(exc).items() if pos < len(pending)}
                if not named:
                    if len(pending) == 1:
                        answers[pending[0][0]] = {"": [exc.message]}
                    else:
                        for item in pending:
                            answers.update(self._upsert([item]))
                    return answers
                for pos, problems in named.items():
                    answers[pending[pos][0]] = problems
                pending = [item for pos, item in enumerate(pending) if pos not in named]
                continue
            for (index, _body), raw in zip(pending, saved, strict=True):
                answers[index] = raw
            pending = []
        return answers

    def _variance_types(self, products):
        """{option name: Shopbox variance type id} for the options of ``products``: types Shopbox lacks are
        created and values it lacks added (one call per such type); the account's types are read once. One
        writer thread at a time, so two batches never add the same type twice."""
        with self._types_lock:
            return self._variance_types_locked(products)

    def _variance_types_locked(self, products):
        if self._types is None:
            self._types = {t["name"]: t for t in self.client.iter_variance_types() if t.get("name")}
        wanted = {}
        for product in products:
            for name in mapping.option_names(product):
                values = wanted.setdefault(name, [])
                values.extend(str(v.option_values[name]) for v in product.variants
                              if name in v.option_values and str(v.option_values[name]) not in values)
        for name, values in wanted.items():
            known = self._types.get(name)
            have = [str(v) for v in (known or {}).get("values") or []]
            if known is not None and all(v in have for v in values):
                continue
            try:
                self._types[name] = self.client.upsert_variance_type(
                    name=name, values=[*have, *(v for v in values if v not in have)],
                    variance_type_id=(known or {}).get("id"))
            except ConnectorError as exc:
                if exc.retryable or exc.status in CONNECTION_STATUSES:
                    raise
                logger.warning("shopbox variance type not saved client=%s: %s", self.client.client_id, exc.message)
        return {name: t["id"] for name, t in self._types.items() if name in wanted}


def _noted(results, guarded):
    """The price notes of ``guarded`` ([(fields, note)]) on the products written all the same."""
    for result, (_fields, note) in zip(results, guarded, strict=True):
        if note and result.ok and not result.error:
            result.error = note
    return results


def _placement_tags(placement):
    """Create-time categories (Shopbox tags, the till's product groups): ``category`` or ``tags``. Shopbox has
    no storefront, so ``visible`` has nothing to set."""
    placement = placement or {}
    tags = list(placement.get("tags") or [])
    if placement.get("category"):
        tags.append(placement["category"])
    return list(dict.fromkeys(str(t) for t in tags))


def _type_ids_of(product, type_ids):
    return [type_ids[name] for name in mapping.option_names(product) if name in type_ids]


def _result(product, answer, *, fields, creating):
    if "id" in answer and isinstance(answer.get("variants"), list):
        return WriteResult(ok=True, external_id=str(answer["id"]), variant_ids=_variant_ids(product, answer, fields))
    if not creating and "id" in answer:
        return WriteResult(ok=False, external_id=product.external_id, retryable=False, error=_(
            "Product %(product)s no longer exists in Shopbox; Flyt creates it again on the next sync.")
            % {"product": label(product)})
    return WriteResult(ok=False, external_id=product.external_id or "", error=_(
        "Shopbox refused product %(product)s: %(reason)s. Correct it in Flyt and sync again.")
        % {"product": label(product), "reason": refusal_reason(product, answer)})


def _variant_ids(product, saved, fields):
    """Hub variant key -> Shopbox variant id: by id, then SKU; variants Shopbox added without either are the
    last ones of its list, in the order they were sent."""
    variants = saved.get("variants") or []
    by_id = {str(v["id"]): str(v["id"]) for v in variants}
    by_sku = {v["sku"]: str(v["id"]) for v in variants if v.get("sku")}
    ids, unmatched = {}, []
    for position, variant in enumerate(product.variants):
        found = by_id.get(str(variant.external_id)) if variant.external_id else None
        found = found or (by_sku.get(variant.sku) if variant.sku else None)
        if found:
            ids[variant_key(variant, position)] = found
        elif variant.external_id or variant.sku or "variants" in fields:  # sent: Shopbox added it
            unmatched.append((position, variant))
    if unmatched:
        rest = [str(v["id"]) for v in variants if str(v["id"]) not in set(ids.values())]
        for (position, variant), variant_id in zip(unmatched, rest[-len(unmatched):], strict=False):
            ids[variant_key(variant, position)] = variant_id
    return ids
