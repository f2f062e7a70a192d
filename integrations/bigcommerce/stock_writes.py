"""The BigCommerce stock connector's writes after ``adjust`` has built the items: the relative call,
BigCommerce's refusals (the refused item taken out, else the batch halved; a tracking mode changed
since it was read, named the other way; no level at the location yet, set absolutely) and their
answers in the merchant's words. See ``integrations.bigcommerce.stock`` for the whole story.
"""

import json
import re

from integrations.contracts.stock import AdjustResult
from integrations.errors import ConnectorError
from integrations.stock_support import CONNECTION_STATUSES, not_answered, refused

RELATIVE_PATH = "/v3/inventory/adjustments/relative"
_IDENTITY = re.compile(r"(variant_id|product_id|sku)\s+([^\s\]]+)")
_LOCATION = re.compile(r"Location with id (\d+) not found")


class StockWrites:
    """Mixed into ``BigCommerceStock``: uses its ``client``, ``_facts``, ``_sku``, ``_item`` and the per
    ``adjust`` call state ``_corrected`` (items renamed once) and ``_wrote`` (something was written)."""

    def _refused(self, change, why, remedy, *, retryable=False):
        return refused(self._sku(change), why, remedy, retryable=retryable)

    def _send(self, items, changes, results, absolute, reason):
        """Send ``items`` ({index: item}) in one call; when BigCommerce refuses it, take the refused item out
        (or halve the batch) and send the rest again."""
        if not items:
            return
        try:
            self.client.call("POST", RELATIVE_PATH, json={"reason": reason, "items": list(items.values())})
        except ConnectorError as exc:
            if exc.status in CONNECTION_STATUSES or exc.retryable:
                if exc.status in CONNECTION_STATUSES or not self._wrote:
                    raise  # nothing written yet: the engine keeps every item for the retry
                # nothing of this call was applied: all of it may be tried again
                not_answered(results, items, changes, exc, platform="BigCommerce", refuse=self._refused)
                return
            culprits = self._culprits(exc, items, changes)
            if not culprits and len(items) > 1:
                keys = list(items)
                half = len(keys) // 2
                self._send({k: items[k] for k in keys[:half]}, changes, results, absolute, reason)
                self._send({k: items[k] for k in keys[half:]}, changes, results, absolute, reason)
                return
            culprits = culprits or set(items)
            retry = {}
            for index in culprits:
                outcome = self._handle_refusal(exc, index, items[index], changes[index])
                if outcome == "absolute":
                    absolute[index] = items[index]
                elif isinstance(outcome, dict):
                    retry[index] = outcome
                else:
                    results[index] = outcome
            rest = {k: v for k, v in items.items() if k not in culprits}
            rest.update(retry)
            self._send(rest, changes, results, absolute, reason)
            return
        self._wrote = True
        for index in items:
            results[index] = AdjustResult(ok=True)

    @staticmethod
    def _title(exc):
        try:
            body = json.loads((exc.detail or {}).get("body") or "{}")
        except ValueError:
            body = {}
        return str(body.get("title") or exc.message) if isinstance(body, dict) else exc.message

    def _culprits(self, exc, items, changes):
        """The items BigCommerce's refusal names (by variant id, product id or SKU; or by location)."""
        title = self._title(exc)
        location = _LOCATION.search(title)
        if location:
            return {i for i, item in items.items() if str(item["location_id"]) == location.group(1)}
        named = set()
        for key, value in _IDENTITY.findall(title):
            for index, item in items.items():
                change = changes[index]
                if (key == "variant_id" and value in (str(change.variant_id), str(item.get("variant_id")))) or (
                        key == "product_id" and value == str(item.get("product_id"))) or (
                        key == "sku" and value == self._sku(change).removeprefix("SKU ")):
                    named.add(index)
        return named

    def _handle_refusal(self, exc, index, item, change):
        """What to do with an item BigCommerce refused: an AdjustResult, a corrected item to send again,
        or "absolute" (no level at that location yet)."""
        title = self._title(exc).lower()
        facts = self._facts(change.product_id) or {}
        if index not in self._corrected and ("tracked by product" in title or "tracked by variant" in title):
            self._corrected.add(index)  # the tracking mode changed since we read it: name it the other way
            facts["tracking"] = "product" if "variant_id" in item else "variant"
            return self._item(change, facts["tracking"], item["quantity"])
        if "absolute adjustment before relative" in title:
            return "absolute"
        if "safety stock" in title:
            return self._refused(change, f"BigCommerce will not take it below its safety stock (change {change.delta})",
                                 "lower the item's safety stock in BigCommerce (Products → Inventory) or correct "
                                 "the stock in Flyt")
        if "location" in title and "not found" in title:
            return self._refused(change, f"BigCommerce location {change.location_id} no longer exists",
                                 "map the connection's locations again on its Locations page")
        if "not found" in title:
            return self._refused(change, "BigCommerce no longer has this item",
                                 "link the product again or remove it from Flyt")
        return self._refused(change, f"BigCommerce refused it ({self._title(exc)})",
                             "check the item in BigCommerce, then sync again")

    def _set_absolute(self, absolute, changes, results, reason):
        """Items with no level at their location: nothing to overwrite, so set ``expected + delta``."""
        items = {}
        for index, item in absolute.items():
            change = changes[index]
            target = max(0, (change.expected or 0) + change.delta)
            items[index] = {**item, "quantity": target}
        try:
            self.client.adjust_stock_absolute(items=list(items.values()), reason=reason)
        except ConnectorError as exc:
            if exc.status in CONNECTION_STATUSES:
                raise
            for index in items:
                results[index] = self._refused(changes[index], f"BigCommerce refused setting it ({exc.message})",
                                               "Flyt tries again shortly" if exc.retryable else
                                               "check the item in BigCommerce, then sync again",
                                               retryable=exc.retryable)
            return
        for index, item in items.items():
            results[index] = AdjustResult(ok=True, quantity=item["quantity"])
