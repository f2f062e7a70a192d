"""The Shopify sandbox's GraphQL Admin endpoint: ``POST /admin/api/{version}/graphql.json``.

Every request is first checked against Shopify's published schema of the requested API version
(``validation``): an unknown field, argument or input field, a removed one, a variable of the
wrong type is answered as Shopify does (HTTP 200, ``errors`` and no ``data``) and nothing runs.

Not a general GraphQL engine. It then reads the document (see ``integrations.shopify.gql``), charges the
requested cost against the shop's cost bucket (``extensions.cost`` on every answer, ``THROTTLED``
with no ``data`` when the bucket is short, ``MAX_COST_EXCEEDED`` above the single-query maximum),
then answers these root fields with exactly the selected sub-fields:

queries   shop, products, product, productVariants, productOperation, locations, location,
          inventoryItems, inventoryItem, customers, customer, orders, order, webhookSubscriptions,
          node, nodes
mutations productSet, productCreate, productDelete, inventorySetQuantities, inventoryAdjustQuantities,
          webhookSubscriptionCreate, webhookSubscriptionDelete (the mutations live in ``mutations``)

``query:`` search strings understand ``updated_at:>'<ISO time>'``, ``created_at:>…``, ``sku:<sku>`` and
``barcode:<barcode>`` (quoted when they hold spaces), and groups of terms joined by ``OR``.
Input arrays longer than 250 (2,048 for productSet variants) are refused with
``MAX_INPUT_SIZE_EXCEEDED``. ``@idempotent(key:)`` is honoured on inventory mutations and required
from API version 2026-04.
"""

import re
from datetime import datetime

from integrations.sandbox.core import SandboxResponse, route
from integrations.sandbox.ratelimit import CostBucket
from integrations.shopify import gql
from integrations.shopify.sandbox.mutations import IDEMPOTENT_MUTATIONS, MutationsMixin
from integrations.shopify.sandbox.objects import GraphQLError, Projection, connection, gql_id
from integrations.shopify.sandbox.store import gid_number
from integrations.shopify.sandbox.validation import request_errors, served_version

PREFIX = r"(?:/(?P<shop>[a-z0-9][a-z0-9.\-]*))?/admin/api/(?P<version>\d{4}-\d{2}|unstable)"

SCOPES = {
    "products": "products", "product": "products", "productVariants": "products", "productOperation": "products",
    "productSet": "products", "productCreate": "products", "productDelete": "products",
    "locations": "locations", "location": "locations",
    "inventoryItems": "inventory", "inventoryItem": "inventory", "inventorySetQuantities": "inventory",
    "inventoryAdjustQuantities": "inventory", "customers": "customers", "customer": "customers",
    "orders": "orders", "order": "orders",
}

_SEARCH = re.compile(r"(?P<field>updated_at|created_at|sku|barcode):(?P<op>[<>]=?)?"
                     r"(?:\"(?P<dq>(?:\\.|[^\"\\])*)\"|'(?P<sq>(?:\\.|[^'\\])*)'|(?P<bare>[^\s'\"]+))")
_OR = re.compile(r"\s+OR\s+")


def _unescape(text):
    return re.sub(r"\\(.)", r"\1", text)


def _matches(search, record):
    """Shopify's search syntax as far as Flyt uses it: ``field:value`` terms (``updated_at``/``created_at``
    with ``>``, ``>=``, ``<``, ``<=``; exact ``sku``/``barcode``, quoted when they hold spaces), all of them
    required, and groups of them joined by ``OR`` of which one is enough."""
    groups = _OR.split((search or "").strip())
    return any(_matches_all(group, record) for group in groups) if len(groups) > 1 else _matches_all(search, record)


def _matches_all(search, record):
    for match in _SEARCH.finditer(search or ""):
        field, op = match.group("field"), match.group("op")
        value = match.group("bare") if match.group("bare") is not None else _unescape(
            match.group("dq") if match.group("dq") is not None else match.group("sq"))
        if field in ("sku", "barcode"):
            values = [v.get(field) for v in record.get("variants", [])] + [record.get(field)]
            if value not in values:
                return False
            continue
        try:
            have, want = datetime.fromisoformat(record[field]), datetime.fromisoformat(value.replace("Z", "+00:00"))
        except (KeyError, ValueError):
            return False
        if (op == ">" and not have > want) or (op == ">=" and not have >= want) or \
           (op == "<" and not have < want) or (op == "<=" and not have <= want):
            return False
    return True


def _too_long(value, path, limit=gql.MAX_PAGE):
    if isinstance(value, list):
        cap = 2048 if path.endswith("variants") else limit
        if len(value) > cap:
            return len(value), cap
        for item in value:
            found = _too_long(item, path, limit)
            if found:
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _too_long(item, f"{path}.{key}", limit)
            if found:
                return found
    return None


class GraphQLMixin(MutationsMixin):
    def throttle_status(self, account, bucket):
        limits = account["limits"]
        return {"maximumAvailable": float(limits["graphql_maximum"]), "currentlyAvailable": int(bucket.available),
                "restoreRate": float(limits["graphql_restore_per_s"])}

    @route("POST", PREFIX + r"/graphql\.json")
    def graphql(self, request, shop=None, version=None, account=None):
        limits = account["limits"]
        version = served_version(version)
        try:
            body = request.json() or {}
        except ValueError as exc:
            return SandboxResponse(200, {"errors": [{"message": str(exc), "extensions": {"code": "PARSE_ERROR"}}]})
        problems = request_errors(version, body.get("query") if isinstance(body, dict) else None,
                                  body.get("variables") if isinstance(body, dict) else None)
        if problems:
            return SandboxResponse(200, {"errors": problems})
        try:
            operation = gql.parse(body.get("query"))
            variables = body.get("variables") or {}
            requested = gql.requested_cost(operation, variables)
        except (ValueError, gql.GraphQLSyntaxError) as exc:
            return SandboxResponse(200, {"errors": [{"message": str(exc), "extensions": {"code": "PARSE_ERROR"}}]})
        saved = account["gql_bucket"]
        bucket = CostBucket(maximum=float(limits["graphql_maximum"]),
                            restore_per_s=float(limits["graphql_restore_per_s"]),
                            available=saved.get("available"), updated=saved.get("updated"))
        now = self.clock.now()
        if requested > limits["max_query_cost"]:
            bucket.take(0, now)
            account["gql_bucket"] = {"available": bucket.available, "updated": bucket.updated}
            cost = {"requestedQueryCost": requested, "actualQueryCost": None,
                    "throttleStatus": self.throttle_status(account, bucket)}
            return SandboxResponse(200, {"errors": [{
                "message": f"Query cost is {requested}, which exceeds the single query max cost limit "
                           f"({limits['max_query_cost']}).",
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": limits["max_query_cost"]}}],
                "extensions": {"cost": cost}})
        allowed, _ = bucket.take(requested, now)
        if not allowed:
            account["gql_bucket"] = {"available": bucket.available, "updated": bucket.updated}
            cost = {"requestedQueryCost": requested, "actualQueryCost": None,
                    "throttleStatus": self.throttle_status(account, bucket)}
            return SandboxResponse(limits["graphql_throttle_status"], {
                "errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": cost}})
        data, errors, actual = self.execute(account, operation, variables, version, requested)
        bucket.refund(max(0, requested - actual))
        account["gql_bucket"] = {"available": bucket.available, "updated": bucket.updated}
        payload = {"data": data}
        if errors:
            payload["errors"] = errors
        payload["extensions"] = {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                                          "throttleStatus": self.throttle_status(account, bucket)}}
        return SandboxResponse(200, payload)

    def execute(self, account, operation, variables, version, requested):
        projection = Projection(variables, operation.variable_defaults)
        data, errors = {}, []
        for fld in operation.selections:
            if fld.name == "__typename":
                data[fld.key] = "QueryRoot" if operation.kind == "query" else "Mutation"
                continue
            try:
                args = gql.resolved_args(fld, variables, operation.variable_defaults)
                too_long = _too_long(args, fld.name)
                if too_long:
                    raise GraphQLError(f"The input array size of {too_long[0]} is greater than the maximum allowed "
                                       f"of {too_long[1]}.", "MAX_INPUT_SIZE_EXCEEDED")
                self.check_scope(account, fld.name, write=operation.kind == "mutation")
                if operation.kind == "mutation":
                    data[fld.key] = self.run_mutation(account, fld, args, version, projection)
                else:
                    data[fld.key] = projection.field(fld, self.resolve_root(account, fld.name, args))
            except GraphQLError as exc:
                data[fld.key] = None
                errors.append({"message": exc.message, "path": [fld.key], "extensions": exc.extensions})
        actual = gql.MUTATION_COST * len(operation.selections) if operation.kind == "mutation" else projection.cost
        return data, errors, min(actual, requested)

    def check_scope(self, account, name, *, write):
        resource = SCOPES.get(name)
        if resource is None:
            return
        scopes = set(account["scopes"])
        needed = f"{'write' if write else 'read'}_{resource}"
        ok = needed in scopes or (not write and f"write_{resource}" in scopes)
        if resource == "locations" and not ok:
            ok = "read_inventory" in scopes or "write_inventory" in scopes
        if not ok:
            raise GraphQLError(f"Access denied for {name} field. Required access: `{needed}` access scope.",
                               "ACCESS_DENIED", documentation="https://shopify.dev/api/usage/access-scopes")

    def run_mutation(self, account, fld, args, version, projection):
        handler = getattr(self, f"m_{fld.name}", None)
        if handler is None:
            raise GraphQLError(f"Field '{fld.name}' doesn't exist on type 'Mutation'", "undefinedField")
        key = None
        for name, directive_args in fld.directives:
            if name == "idempotent":
                key = gql.resolve(directive_args.get("key"), projection.variables, projection.defaults)
        if fld.name in IDEMPOTENT_MUTATIONS:
            if key is None and version >= "2026-04" and version != "unstable":
                raise GraphQLError("The @idempotent directive is required for this mutation.", "BAD_REQUEST")
            if key is not None:
                stored = account["idempotency"].get(f"{fld.name}:{key}")
                if stored is not None and set(stored) != {"args", "result"}:  # saved by an older sandbox
                    stored = {"args": args, "result": stored}
                if stored is not None and stored["args"] != args:
                    # the same key with other parameters is refused, not answered with the first result
                    return projection.field(fld, {
                        "__typename": f"{fld.name[0].upper()}{fld.name[1:]}Payload", "inventoryAdjustmentGroup": None,
                        "userErrors": [{"__typename": "UserError", "field": None, "code":
                                        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "message": "The same idempotency key "
                                        "cannot be used with different operation parameters."}]})
                if stored is not None:
                    return stored["result"]
        result = projection.field(fld, handler(account, args, version))
        if key is not None and fld.name in IDEMPOTENT_MUTATIONS:
            account["idempotency"][f"{fld.name}:{key}"] = {"args": args, "result": result}
        return result

    # --- queries ----------------------------------------------------------------------------------
    def resolve_root(self, account, name, args):
        products = account["products"]
        if name == "shop":
            return {"__typename": "Shop", "id": gid_shop(account), "name": account["name"],
                    "myshopifyDomain": account["domain"], "currencyCode": account["currency"],
                    "ianaTimezone": "Europe/Copenhagen", "email": account["email"]}
        if name == "products":
            rows = [p for p in self.products_sorted(account) if _matches(args.get("query"), p)]
            return connection(rows, args, lambda p: self.gql_product(account, p))
        if name == "product":
            product = products.get(str(gql_id(args.get("id"), "Product")))
            return self.gql_product(account, product) if product else None
        if name == "productVariants":
            rows = [(p, v) for p in self.products_sorted(account) for v in p["variants"]]
            rows = [r for r in sorted(rows, key=lambda r: r[1]["id"]) if _matches(args.get("query"), r[1])]
            return connection(rows, args, lambda r: self.gql_variant(account, r[1], r[0]),
                              number=lambda r: r[1]["id"])
        if name == "productOperation":
            return account["operations"].get(str(gql_id(args.get("id"), "ProductSetOperation")))
        if name in ("locations", "location"):
            rows = [account["locations"][k] for k in sorted(account["locations"], key=int)]
            if name == "location":
                found = account["locations"].get(str(gql_id(args.get("id"), "Location")))
                return self.gql_location(account, found) if found else None
            return connection(rows, args, lambda loc: self.gql_location(account, loc))
        if name in ("inventoryItems", "inventoryItem"):
            items = account["inventory_items"]
            if name == "inventoryItem":
                found = items.get(str(gql_id(args.get("id"), "InventoryItem")))
                return self.gql_item(account, found) if found else None
            rows = [items[k] for k in sorted(items, key=int) if _matches(args.get("query"), items[k])]
            return connection(rows, args, lambda i: self.gql_item(account, i))
        if name in ("customers", "customer", "orders", "order"):
            table = account["customers" if name.startswith("customer") else "orders"]
            build = self.gql_customer if name.startswith("customer") else self.gql_order
            if name in ("customer", "order"):
                found = table.get(str(gql_id(args.get("id"), name.capitalize())))
                return build(account, found) if found else None
            rows = [table[k] for k in sorted(table, key=int) if _matches(args.get("query"), table[k])]
            return connection(rows, args, lambda r: build(account, r))
        if name == "webhookSubscriptions":
            topics = {t.lower().replace("_", "/", 1) for t in args.get("topics") or []}
            rows = [w for k, w in sorted(account["webhooks"].items(), key=lambda kv: int(kv[0]))
                    if not topics or w["topic"] in topics]
            return connection(rows, args, self.gql_webhook)
        if name in ("node", "nodes"):
            ids = [args.get("id")] if name == "node" else (args.get("ids") or [])
            found = [self.node(account, value) for value in ids]
            return found[0] if name == "node" else found
        raise GraphQLError(f"Field '{name}' doesn't exist on type 'QueryRoot'", "undefinedField")

    def node(self, account, value):
        kind = str(value or "").removeprefix("gid://shopify/").split("/")[0]
        number = str(gid_number(value, kind))
        builders = {
            "Product": (account["products"], self.gql_product), "InventoryItem": (account["inventory_items"],
                                                                                 self.gql_item),
            "Location": (account["locations"], self.gql_location), "Order": (account["orders"], self.gql_order),
            "Customer": (account["customers"], self.gql_customer),
        }
        if kind == "ProductVariant":
            product, variant = self.find_variant(account, int(number) if number.isdigit() else -1)
            return self.gql_variant(account, variant, product) if variant else None
        if kind in builders and number in builders[kind][0]:
            table, build = builders[kind]
            return build(account, table[number])
        return None


def gid_shop(account):
    return f"gid://shopify/Shop/{account['id']}"
