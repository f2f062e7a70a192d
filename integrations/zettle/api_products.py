"""Product Library calls (products.izettle.com): library paging, product CRUD, bulk import, categories."""

import logging

from integrations.errors import ConnectorError

logger = logging.getLogger("flyt.zettle")

LIBRARY_PAGE_MAX = 500  # the server's preferred (and largest) library page
DELETE_CHUNK = 100  # bulk delete puts every uuid in the URL; chunks of 100 keep it short
IMPORT_BATCH = 500  # Zettle documents no import limit; one library page's worth per import
MAX_VARIANTS = 99


class ProductsApi:
    """Mixed into ZettleClient."""

    # --- reads ------------------------------------------------------------------------------------
    def iter_library(self, *, event_log_uuid=None, limit=LIBRARY_PAGE_MAX):
        """Yield the library page by page (``products``, ``deletedProducts``, ``untilEventLogUuid`` ...),
        following ``Link: rel="next"`` verbatim. With ``event_log_uuid``, only changes since that event."""
        params = {"limit": min(int(limit), LIBRARY_PAGE_MAX)}
        if event_log_uuid:
            params["eventLogUuid"] = event_log_uuid
        response = self.call("products", "GET", f"/organizations/{self.org}/library", params=params)
        while True:
            yield response.json()
            link = response.links.get("next", {}).get("url")
            if not link:
                return
            response = self.call_url("products", "GET", self.follow(response, link))

    def iter_products(self, *, limit=LIBRARY_PAGE_MAX):
        """Every product of the library, streamed one page at a time."""
        for page in self.iter_library(limit=limit):
            yield from page.get("products") or []

    def get_product(self, *, uuid, etag=None):
        """(product, etag); product is None when ``etag`` still matches (304)."""
        headers = {"If-None-Match": etag} if etag else None
        response = self.call("products", "GET", f"/organizations/{self.org}/products/{uuid}", headers=headers)
        if response.status_code == 304:
            return None, etag
        body = response.json()
        return body, response.headers.get("ETag") or body.get("etag")

    def list_categories(self):
        response = self.call("products", "GET", f"/organizations/{self.org}/categories/v2")
        return response.json().get("categories") or []

    def create_categories(self, *, categories):
        """``categories``: [{"uuid", "name"}] with client-supplied uuids."""
        if categories:
            self.call("products", "POST", f"/organizations/{self.org}/categories/v2",
                      json={"categories": list(categories)})

    # --- writes -----------------------------------------------------------------------------------
    def _check_variants(self, product):
        count = len(product.get("variants") or [])
        if count > MAX_VARIANTS:
            raise ConnectorError(f"Zettle allows at most {MAX_VARIANTS} variants per product; "
                                 f"'{product.get('name', '')}' has {count}.", retryable=False,
                                 platform=self.platform)

    def create_product(self, *, product):
        """POST a product with a client-chosen ``uuid``; returns the created product (201)."""
        self._check_variants(product)
        response = self.call("products", "POST", f"/organizations/{self.org}/products", json=product)
        return response.json() if response.content else product

    def update_product(self, *, uuid, changes, etag=None):
        """Merge-patch PUT (only sent fields change, ``None`` removes one). With ``etag`` the write
        only happens if nobody changed the product since (412 → ConnectorError status 412).
        Returns the new ETag."""
        self._check_variants(changes)
        headers = {"If-Match": etag} if etag else None
        response = self.call("products", "PUT", f"/organizations/{self.org}/products/v2/{uuid}", json=changes,
                             headers=headers)
        return response.headers.get("ETag")

    def delete_products(self, *, uuids):
        """Bulk delete in chunks (the uuids travel in the query string)."""
        uuids = list(uuids)
        for start in range(0, len(uuids), DELETE_CHUNK):
            chunk = uuids[start:start + DELETE_CHUNK]
            self.call("products", "DELETE", f"/organizations/{self.org}/products", params={"uuid": chunk})

    def import_products(self, *, products, batch_size=IMPORT_BATCH):
        """Start bulk imports of ``products`` (an iterable, consumed in batches); returns the import
        records (``uuid``, ``state`` IMPORTING ...). Zettle finishes them asynchronously."""
        imports, batch = [], []
        for product in products:
            self._check_variants(product)
            batch.append(product)
            if len(batch) >= batch_size:
                imports.append(self._import(batch))
                batch = []
        if batch:
            imports.append(self._import(batch))
        return imports

    def _import(self, batch):
        response = self.call("products", "POST", f"/organizations/{self.org}/import/v2", json={"products": batch})
        record = response.json()
        logger.info("zettle: import %s started with %s products", record.get("uuid"), len(batch))
        return record

    def import_status(self, *, import_uuid=None):
        path = f"/organizations/{self.org}/import/status" + (f"/{import_uuid}" if import_uuid else "")
        return self.call("products", "GET", path).json()

    def wait_for_import(self, *, import_uuid, poll_s=2.0, timeout_s=900.0):
        """Poll an import until it finishes; raises ConnectorError if it failed or takes too long."""
        deadline = self.clock.now() + timeout_s
        while True:
            record = self.import_status(import_uuid=import_uuid)
            state = record.get("state")
            if state == "FINISHED_SUCCESS":
                return record
            if state == "FINISHED_FAILED":
                raise ConnectorError(f"Zettle could not import the products: {record.get('errorMessage') or state}",
                                     retryable=False, platform=self.platform, detail={"import": record})
            if self.clock.now() >= deadline:
                raise ConnectorError("Zettle is still importing the products; Flyt will check again later.",
                                     retryable=True, platform=self.platform, detail={"import": record})
            self.pause(poll_s, rate_limit=False)
