"""Purchase API (purchase.izettle.com, read-only) and Pusher subscriptions (pusher.izettle.com)."""

from integrations.errors import ConnectorError
from integrations.zettle.mapping import new_uuid1

PURCHASE_PAGE_MAX = 1000
EVENT_NAMES = ("ProductCreated", "ProductUpdated", "ProductDeleted", "InventoryBalanceChanged",
               "InventoryTrackingStarted", "InventoryTrackingStopped", "PurchaseCreated")


class PurchasesApi:
    """Mixed into ZettleClient."""

    def iter_purchases(self, *, start_date=None, end_date=None, last_purchase_hash=None, descending=False,
                       limit=PURCHASE_PAGE_MAX):
        """Yield purchases (refunds are purchases too), passing ``lastPurchaseHash`` on until a page
        comes back empty, as Zettle documents. Dates are ISO-8601 UTC strings."""
        params = {"limit": max(1, min(int(limit), PURCHASE_PAGE_MAX))}
        if start_date:
            params["startDate"] = start_date
        if end_date:
            params["endDate"] = end_date
        if descending:
            params["descending"] = "true"
        cursor = last_purchase_hash
        while True:
            page_params = {**params, **({"lastPurchaseHash": cursor} if cursor else {})}
            body = self.call("purchase", "GET", "/purchases/v2", params=page_params).json()
            purchases = body.get("purchases") or []
            if not purchases:
                return
            yield from purchases
            cursor = body.get("lastPurchaseHash")
            if not cursor:
                return

    def get_purchase(self, *, purchase_uuid):
        return self.call("purchase", "GET", f"/purchase/v2/{purchase_uuid}").json()


class PusherApi:
    """Mixed into ZettleClient. Subscriptions carry a client-chosen v1 uuid; the answer to a create
    carries the ``signingKey`` that signs every delivery (store it as the connection's webhook secret)."""

    def list_subscriptions(self):
        return self.call("pusher", "GET", f"/organizations/{self.org}/subscriptions").json()

    def create_subscription(self, *, destination, contact_email, event_names=EVENT_NAMES, uuid=None):
        body = {"uuid": uuid or new_uuid1(), "transportName": "WEBHOOK", "eventNames": list(event_names),
                "destination": destination, "contactEmail": contact_email}
        return self.call("pusher", "POST", f"/organizations/{self.org}/subscriptions", json=body).json()

    def update_subscription(self, *, uuid, changes):
        """PUT any subset of ``eventNames``, ``destination``, ``contactEmail``."""
        self.call("pusher", "PUT", f"/organizations/{self.org}/subscriptions/{uuid}", json=dict(changes))

    def delete_subscription(self, *, uuid):
        """Delete; True if it existed."""
        try:
            self.call("pusher", "DELETE", f"/organizations/{self.org}/subscriptions/uuid/{uuid}")
        except ConnectorError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def users_self(self):
        """``{uuid, organizationUuid}`` of the API key's user (the connection's account id)."""
        return self.call("oauth", "GET", "/users/self").json()
