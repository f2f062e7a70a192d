"""The Rackbeat product connector's writes: creates (a Rackbeat product per variant, their custom fields,
the initial stock), updates (only what differs), variants removed, deletes. See
``integrations.rackbeat.connector`` for the whole story.
"""

import logging

from django.utils.translation import gettext as _

from integrations.contracts.products import WriteResult
from integrations.errors import ConnectorError
from integrations.rackbeat import mapping
from integrations.rackbeat.connector_support import (
    CONNECTION_STATUSES,
    label,
    local_problem,
    refusal_reason,
    variant_key,
)

logger = logging.getLogger("flyt.rackbeat")


class RackbeatWrites:
    """Mixed into ``RackbeatConnector``: uses its ``client``, ``field_ids``, ``_known_field_ids``,
    ``product_group`` and ``read_rows``."""

    # --- creating -------------------------------------------------------------------------------------
    def create_products(self, *, products, fields, placement=None):
        fields = frozenset(fields)
        group = self.product_group((placement or {}).get("group"))
        results, stock = [], []
        for product in products:
            result, lines = self._create_one(product, fields, group)
            stock.extend((len(results), line) for line in lines)
            results.append(result)
        if stock:
            self._initial_stock(products, results, stock)
        return results

    def _create_one(self, product, fields, group):
        problem = local_problem(product)
        if problem:
            return WriteResult(ok=False, error=_("Rackbeat cannot take product %(product)s: %(problem)s")
                               % {"product": label(product), "problem": problem}), []
        key = product.variants[0].sku
        grouped = len(product.variants) > 1
        try:
            field_ids = self.field_ids(create=True) if grouped or self._has_options(product, fields) else {}
        except ConnectorError as exc:
            if exc.retryable or exc.status in CONNECTION_STATUSES:
                raise
            return WriteResult(ok=False, error=exc.message), []
        created = []
        for variant in product.variants:
            body = {"number": variant.sku, "group": int(group), **mapping.variant_body(product, variant, fields=fields)}
            body.setdefault("name", mapping.variant_name(product.title.strip(), variant.option_values
                                                         if "variants" in fields else {}))
            try:
                self.client.create_product(body=body)
                created.append(variant.sku)
                values = self._custom_values(key, variant, variant.sku, fields, field_ids, grouped, None)
                if values:
                    self.client.set_product_fields(number=variant.sku, values=values)
            except ConnectorError as exc:
                if exc.retryable or exc.status in CONNECTION_STATUSES:
                    raise
                self._undo(created)
                return WriteResult(ok=False, error=self._refused(product, variant, exc)), []
        lines = [{"number": v.sku, "quantity": int(v.stock)} for v in product.variants
                 if "stock" in fields and v.track_stock and v.stock]
        return WriteResult(ok=True, external_id=key,
                           variant_ids={variant_key(v, i): v.sku for i, v in enumerate(product.variants)}), lines

    @staticmethod
    def _has_options(product, fields):
        return "variants" in fields and any(v.option_values for v in product.variants)

    def _undo(self, numbers):
        """Remove the variants of a product created before Rackbeat refused another of its variants."""
        for number in numbers:
            try:
                self.client.delete_product(number=number)
            except ConnectorError as exc:
                if exc.retryable or exc.status in CONNECTION_STATUSES:
                    raise
                logger.warning("rackbeat: could not remove half-created product number=%s status=%s", number,
                               exc.status)

    def _refused(self, product, variant, exc):
        reason = refusal_reason(exc)
        if "already been taken" in reason:
            return _("Rackbeat already has a product numbered %(sku)s, so %(product)s was not created. Give the "
                     "variant another SKU in Flyt, or remove or renumber that product in Rackbeat.") \
                % {"sku": variant.sku, "product": label(product)}
        return _("Rackbeat refused product %(product)s (number %(sku)s): %(reason)s Correct it in Flyt and sync "
                 "again.") % {"product": label(product), "sku": variant.sku, "reason": reason}

    def _default_location(self):
        if self._location is None:
            rows = self.client.list_locations()
            default = next((r for r in rows if r.get("is_default")), rows[0] if rows else None)
            self._location = str(default["number"]) if default else ""
        return self._location

    def _initial_stock(self, products, results, stock):
        """One booked adjustment (up to 100 lines each) bringing the new products to their stock levels."""
        location = self._default_location()
        try:
            self.client.adjust_stock(lines=[{**line, "location": location} for _i, line in stock],
                                     comment="Flyt: initial stock")
        except ConnectorError as exc:
            if exc.status in CONNECTION_STATUSES:
                raise
            for index in dict.fromkeys(i for i, _line in stock):
                results[index].error = _("Product %(product)s was created in Rackbeat but its stock could not be "
                                         "set (%(reason)s); the next stock sync sets it.") \
                    % {"product": label(products[index]), "reason": exc.message}

    # --- custom fields (the grouping of variants) --------------------------------------------------------
    @staticmethod
    def _custom_values(key, variant, number, fields, field_ids, grouped, row):
        """The custom field values to write for one variant's product (only those that differ)."""
        if not field_ids:
            return {}
        values = {}
        group_id, options_id = field_ids["group"], field_ids["options"]
        current_group = mapping.field_value(row, group_id) if row is not None else ""
        if (grouped or number != key) and current_group != key:
            values[group_id] = key
        if "variants" in fields:
            wanted = mapping.options_out(variant.option_values)
            if wanted != (mapping.field_value(row, options_id) if row is not None else ""):
                values[options_id] = wanted
        return values

    # --- updating -------------------------------------------------------------------------------------
    def update_products(self, *, products, fields):
        fields = frozenset(fields)
        return [self._update_one(product, fields) for product in products]

    def _update_one(self, product, fields):
        if not product.external_id:
            return WriteResult(ok=False, error=_("Product %(product)s is not linked to a Rackbeat product yet.")
                               % {"product": label(product)})
        problem = local_problem(product)
        if problem:
            return WriteResult(ok=False, external_id=product.external_id,
                               error=_("Rackbeat cannot take product %(product)s: %(problem)s")
                               % {"product": label(product), "problem": problem})
        read = self.read_rows(product.external_id)
        if read is None:
            return WriteResult(ok=False, external_id=product.external_id,
                               error=_("Product %(product)s no longer exists in Rackbeat; Flyt creates it again on "
                                       "the next sync.") % {"product": label(product)})
        key, rows = read
        try:
            return self._write_variants(product, fields, key, rows)
        except ConnectorError as exc:
            if exc.retryable or exc.status in CONNECTION_STATUSES:
                raise
            return WriteResult(ok=False, external_id=product.external_id, error=exc.message)

    def _write_variants(self, product, fields, key, rows):
        field_ids = self._known_field_ids()
        multi = len(product.variants) > 1
        if (multi or self._has_options(product, fields)) and not field_ids:
            field_ids = self.field_ids(create=True)
        by_number = {str(r["number"]): r for r in rows}
        matched = [by_number.get(v.external_id) or by_number.get(v.sku) for v in product.variants]
        after = [v.sku if (row is None or "sku" in fields) else str(row["number"])
                 for v, row in zip(product.variants, matched, strict=True)]
        if not any(mapping.field_value(r, field_ids.get("group")) for r in rows) and matched[0] is not None:
            key = after[0]  # a product of its own is known by its number, renamed or not
        grouped = multi or any(number != key for number in after)
        if grouped and not field_ids:
            field_ids = self.field_ids(create=True)
        group = (rows[0].get("group") or {}).get("number") or self.product_group()
        ids, notes = {}, []
        for index, (variant, row, number) in enumerate(zip(product.variants, matched, after, strict=True)):
            try:
                row = row if row is not None else self._adoptable(number, key, field_ids)
                if row is None:
                    body = {"number": number, "group": int(group), **mapping.variant_body(product, variant,
                                                                                            fields=fields)}
                    body.setdefault("name", mapping.variant_name(product.title.strip(), variant.option_values))
                    self.client.create_product(body=body)
                else:
                    changes = mapping.variant_changes(row, mapping.variant_body(product, variant, fields=fields))
                    if number != str(row["number"]):
                        changes["number"] = number
                    if changes:
                        self.client.update_product(number=row["number"], body=changes)
                values = self._custom_values(key, variant, number, fields, field_ids, grouped, row)
                if values:
                    self.client.set_product_fields(number=number, values=values)
            except ConnectorError as exc:
                if exc.retryable or exc.status in CONNECTION_STATUSES:
                    raise
                return WriteResult(ok=False, external_id=product.external_id,
                                   error=self._refused(product, variant, exc))
            ids[variant_key(variant, index)] = number
        if "variants" in fields:
            kept = {str(row["number"]) for row in matched if row is not None}
            for row in rows:
                if str(row["number"]) not in kept:
                    notes.extend(self._retire(product, row, field_ids))
        return WriteResult(ok=True, external_id=key, variant_ids=ids, error=" ".join(notes))

    def _adoptable(self, number, key, field_ids):
        """A Rackbeat product already numbered ``number`` that is in no other product (e.g. a variant the
        merchant made in Rackbeat before Flyt linked the product by SKU): taken into this product instead
        of being created again. None when there is none."""
        try:
            row = self.client.get_product(number=number, expand="field_values" if field_ids else None)
        except ConnectorError as exc:
            if exc.status == 404:
                return None
            raise
        return row if mapping.field_value(row, (field_ids or {}).get("group")) in ("", key) else None

    def _retire(self, product, row, field_ids):
        """A variant removed in Flyt: deleted in Rackbeat, or barred and taken out of the product when
        Rackbeat keeps it (it has stock). Returns notes for the log."""
        number = str(row["number"])
        try:
            self.client.delete_product(number=number)
            return []
        except ConnectorError as exc:
            if exc.retryable or exc.status in CONNECTION_STATUSES:
                raise
            if exc.status == 404:
                return []
        self.client.update_product(number=number, body={"is_barred": True})
        if field_ids:
            self.client.set_product_fields(number=number, values={field_ids["group"]: "", field_ids["options"]: ""})
        return [_("Variant %(sku)s was removed from %(product)s in Flyt; Rackbeat keeps products with stock, so it "
                  "is barred in Rackbeat instead.") % {"sku": number, "product": label(product)}]

    # --- deleting -------------------------------------------------------------------------------------
    def delete_products(self, *, external_ids):
        """Each product's Rackbeat products (one per variant); already-deleted ones are skipped. Rackbeat
        keeps products with stock: those are barred instead."""
        for external_id in dict.fromkeys(str(i) for i in external_ids if i):
            read = self.read_rows(external_id)
            for row in read[1] if read else []:
                number = str(row["number"])
                try:
                    self.client.delete_product(number=number)
                except ConnectorError as exc:
                    if exc.retryable or exc.status in CONNECTION_STATUSES:
                        raise
                    if exc.status == 404:
                        continue
                    logger.info("rackbeat: product number=%s kept by Rackbeat (status=%s); barred", number,
                                exc.status)
                    self.client.update_product(number=number, body={"is_barred": True})
