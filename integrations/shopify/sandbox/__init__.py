"""The Shopify sandbox: REST and GraphQL Admin API of several shops, with Shopify's auth, rate
limits, error bodies and signed webhooks.

Paths: ``/{shop}/admin/api/{version}/...`` (served as ``/sandbox/shopify/{shop}/admin/api/...``) or
``/admin/api/{version}/...`` with the shop taken from a ``{shop}.myshopify.com`` Host header.
Versions: 2026-01 and 2026-10, each with Shopify's published schema, which every GraphQL request is
checked against (``validation``); any other version is answered as 2026-01, the oldest supported one.

Per shop (``create_account`` options): REST leaky bucket (``rest_bucket_size`` 40, ``rest_leak_per_s``
2), GraphQL cost bucket (``graphql_maximum`` 1000, ``graphql_restore_per_s`` 100, single query
``max_query_cost`` 1000, ``graphql_throttle_status`` 200 or 429), ``scopes``, ``client_secret`` (the
webhook HMAC key), ``locations``. A 429 without ``Retry-After`` (the variant-creation throttle) is
``faults.fail_next(status=429, body=...)``.

Webhooks: one delivery per subscription, full REST body, ``X-Shopify-*`` headers, HMAC-SHA256 of the
raw body with the client secret, ``X-Shopify-Webhook-Id`` stable across retries, 8 retries over 4 h
(``webhook_retry_schedule``, scaled by ``webhooks.time_factor``), then the subscription is deleted.
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings

from integrations.sandbox.core import Sandbox, SandboxError
from integrations.sandbox.ratelimit import LeakyBucket
from integrations.shopify.sandbox.graphql_api import GraphQLMixin
from integrations.shopify.sandbox.merchant import MerchantMixin
from integrations.shopify.sandbox.objects import ObjectsMixin
from integrations.shopify.sandbox.rest import RestMixin
from integrations.shopify.sandbox.rest_more import RestMoreMixin
from integrations.shopify.sandbox.store import StoreMixin, gid
from integrations.shopify.sandbox.validation import served_version

DEFAULT_SCOPES = ("read_products", "write_products", "read_inventory", "write_inventory", "read_locations",
                  "read_orders", "read_customers")
DEFAULT_LIMITS = {"rest_bucket_size": 40, "rest_leak_per_s": 2.0, "graphql_maximum": 1000,
                  "graphql_restore_per_s": 100.0, "max_query_cost": 1000, "graphql_throttle_status": 200,
                  "max_body_bytes": 10 * 1024 * 1024}
INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
_PATH = re.compile(r"^(?:/(?P<shop>[a-z0-9][a-z0-9.\-]*))?/admin/api/(?P<version>[^/]+)/(?P<rest>.*)$")
_REST_SCOPE = {"products": "products", "variants": "products", "inventory_levels": "inventory",
               "inventory_items": "inventory", "locations": "locations", "orders": "orders",
               "customers": "customers"}


class ShopifySandbox(GraphQLMixin, RestMixin, RestMoreMixin, ObjectsMixin, StoreMixin, MerchantMixin, Sandbox):
    platform = "shopify"
    webhook_retry_schedule = (60, 120, 240, 480, 960, 1920, 3840, 6780)  # 8 retries, 4 h in all

    def not_found_body(self):
        return {"errors": "Not Found"}

    # --- accounts -------------------------------------------------------------------------------
    def create_account(self, **options) -> dict:
        with self.lock:
            number = self.next_id()
            shop = options.get("shop") or f"flyt-demo-{number}"
            domain = f"{shop}.myshopify.com"
            account = {
                "shop": shop, "domain": domain, "id": 60_000_000 + number,
                "name": options.get("name", f"Flyt Demo {number}"),
                "email": f"owner@{shop}.example", "currency": options.get("currency", "DKK"), "plan_name": "basic",
                "utc_offset_minutes": options.get("utc_offset_minutes", 60), "installed": True,
                "token": options.get("access_token") or "shpat_" + secrets.token_hex(16),
                "client_secret": options.get("client_secret") or secrets.token_hex(16),
                "scopes": list(options.get("scopes", DEFAULT_SCOPES)),
                "limits": {**DEFAULT_LIMITS, **{k: v for k, v in options.items() if k in DEFAULT_LIMITS}},
                "rest_bucket": {}, "gql_bucket": {}, "products": {}, "inventory_items": {}, "levels": {},
                "locations": {}, "orders": {}, "customers": {}, "webhooks": {}, "idempotency": {}, "operations": {},
                "order_number": 1000,
            }
            for name in options.get("locations", ("Main warehouse",)):
                location_id = self.next_id()
                now = self.iso(account)
                account["locations"][str(location_id)] = {
                    "id": location_id, "name": name, "address1": "Vesterbrogade 1", "address2": None,
                    "city": "Copenhagen", "zip": "1620", "province": None, "country": "DK", "phone": None,
                    "created_at": now, "updated_at": now, "country_code": "DK", "country_name": "Denmark",
                    "province_code": None, "legacy": False, "active": True, "deleted_at": None,
                    "admin_graphql_api_id": gid("Location", location_id)}
            self.state["accounts"][shop] = account
            base = settings.SANDBOX_BASE_URL.rstrip("/")
            # the app's client secret signs webhook deliveries: the connection keeps it with the token
            return {"account": shop, "credentials": {"access_token": account["token"],
                                                     "client_secret": account["client_secret"]},
                    "settings": {"sandbox": True, "base_url": f"{base}/shopify/{shop}", "shop_domain": domain},
                    "external_account_id": domain, "webhook_secret": account["client_secret"]}

    def seed(self, account_key, products) -> None:
        with self.lock:
            account = self.account(account_key)
            for seed in products:
                variants = []
                for v in seed.variants:
                    values = [v.options.get(name) for name in seed.option_names]
                    variants.append({"sku": v.sku, "barcode": v.barcode, "price": v.price_minor / 100,
                                     "cost": v.cost_minor / 100, "grams": v.weight_grams, "stock": v.stock,
                                     **{f"option{i}": value for i, value in enumerate(values, start=1)}})
                options = [{"name": name, "values": [v.options.get(name) for v in seed.variants]}
                           for name in seed.option_names]
                self.new_product(account, {"title": seed.name, "body_html": seed.description,
                                           "vendor": seed.brand, "product_type": seed.product_type,
                                           "options": options, "variants": variants, "images": seed.images})

    # --- auth, scopes and the REST leaky bucket -------------------------------------------------------
    def before_route(self, request):
        match = _PATH.match(request.path)
        if not match:
            raise SandboxError(404, self.not_found_body())
        host = request.header("host", "").split(":")[0]
        shop = match.group("shop") or (host[: -len(".myshopify.com")] if host.endswith(".myshopify.com") else None)
        shop = (shop or "").removesuffix(".myshopify.com")
        account = self.state["accounts"].get(shop)
        if account is None:
            raise SandboxError(404, self.not_found_body())
        if len(request.body) > account["limits"]["max_body_bytes"]:
            raise SandboxError(413, {"errors": "Request Entity Too Large"})
        token = request.header("x-shopify-access-token", "")
        if not account["installed"] or not hmac.compare_digest(token.encode(), account["token"].encode()):
            raise SandboxError(401, INVALID_TOKEN)
        version = served_version(match.group("version"))
        headers = {"X-Shopify-API-Version": version, "X-Request-Id": str(uuid.UUID(int=self.next_id()))}
        if version != match.group("version"):  # answered by the oldest supported version
            headers["X-Shopify-API-Deprecated-Reason"] = "https://shopify.dev/api/usage/versioning#deprecation-practices"
        if match.group("rest") == "graphql.json":
            return shop, headers
        self.check_rest_scope(account, request.method.upper(), match.group("rest"))
        limits = account["limits"]
        bucket = LeakyBucket(size=limits["rest_bucket_size"], leak_per_s=limits["rest_leak_per_s"],
                             level=account["rest_bucket"].get("level", 0.0),
                             updated=account["rest_bucket"].get("updated"))
        allowed, used = bucket.hit(self.clock.now())
        account["rest_bucket"] = {"level": bucket.level, "updated": bucket.updated}
        headers["X-Shopify-Shop-Api-Call-Limit"] = f"{used}/{limits['rest_bucket_size']}"
        if not allowed:
            raise SandboxError(429, {"errors": f"Exceeded {limits['rest_leak_per_s']:g} calls per second for api "
                                               f"client. Reduce request rates to resume uninterrupted service."},
                               {**headers, "Retry-After": "2.0"})
        return shop, headers

    def check_rest_scope(self, account, method, rest):
        resource = _REST_SCOPE.get(rest.split("/")[0].removesuffix(".json"))
        if resource is None:
            return
        write = method not in ("GET", "HEAD")
        needed = f"{'write' if write else 'read'}_{resource}"
        scopes = set(account["scopes"])
        ok = needed in scopes or (not write and f"write_{resource}" in scopes)
        if resource == "locations" and not ok:
            ok = bool({"read_inventory", "write_inventory"} & scopes)
        if not ok:
            raise SandboxError(403, {"errors": f"[API] This action requires merchant approval for {needed} scope."})

    # --- webhooks -------------------------------------------------------------------------------
    @staticmethod
    def address_problems(address):
        parts = urlsplit(address or "")
        if parts.scheme not in ("https", "http") or not parts.hostname:
            return ["is invalid"]
        return []

    def create_webhook(self, account, *, topic, address, fields, version):
        problems = self.address_problems(address)
        if not problems and any(w["topic"] == topic and w["address"] == address for w in account["webhooks"].values()):
            problems = ["for this topic has already been taken"]
        if problems:
            return None, problems
        number = self.next_id()
        now = self.iso(account)
        webhook = {"id": number, "address": address, "topic": topic, "created_at": now, "updated_at": now,
                   "format": "json", "fields": list(fields), "metafield_namespaces": [], "api_version": version,
                   "private_metafield_namespaces": [], "admin_graphql_api_id": gid("WebhookSubscription", number)}
        account["webhooks"][str(number)] = webhook
        return webhook, []

    def emit(self, account, topic, payload):
        """Queue one signed delivery per subscription to ``topic`` (the full REST body)."""
        event_id = str(uuid.UUID(int=self.webhooks.random.getrandbits(128)))
        triggered = datetime.fromtimestamp(self.clock.now(), UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        for webhook in [w for w in account["webhooks"].values() if w["topic"] == topic]:
            body = payload if not webhook["fields"] else {k: v for k, v in payload.items() if k in webhook["fields"]}
            raw = json.dumps(body, separators=(",", ":")).encode()
            shop, version, domain = account["shop"], webhook["api_version"], account["domain"]

            def sign(delivery, now, shop=shop, version=version, domain=domain, event_id=event_id,
                     triggered=triggered):
                secret = self.state["accounts"].get(shop, {}).get("client_secret", "")
                digest = hmac.new(secret.encode(), delivery.body, hashlib.sha256).digest()
                return {"Content-Type": "application/json", "X-Shopify-Topic": delivery.topic,
                        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
                        "X-Shopify-Shop-Domain": domain, "X-Shopify-API-Version": version,
                        "X-Shopify-Webhook-Id": delivery.id, "X-Shopify-Event-Id": event_id,
                        "X-Shopify-Triggered-At": triggered}

            self.webhooks.enqueue(account=shop, topic=topic, url=webhook["address"], body=raw, sign=sign,
                                  subscription_id=str(webhook["id"]))

    def on_webhook_exhausted(self, delivery) -> None:
        """Shopify deletes subscriptions made through the Admin API after the last failed retry."""
        account = self.state["accounts"].get(delivery.account)
        if account and delivery.subscription_id:
            account["webhooks"].pop(delivery.subscription_id, None)
