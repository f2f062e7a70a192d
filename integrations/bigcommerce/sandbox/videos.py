"""Product videos in the BigCommerce sandbox (bigcommerce/docs ``reference/catalog/products_catalog.v3.yml``,
"Videos"): ``GET``/``POST /v3/catalog/products/{product_id}/videos`` and ``DELETE .../videos/{id}``. A video is
``{id, product_id, video_id, type, title, description, sort_order, length, views}``; ``type`` can only be
``youtube`` ("The Catalog API integrates with third-party YouTube, and you must load videos through YouTube")
and ``video_id`` (at most 25 characters) is required on create. ``include=videos`` on a product read lists them.
Assumed: the length and view count of a sandbox video (``"0:00"``, 0) and that the title defaults to the id.
"""

from integrations.bigcommerce.sandbox.common import V3, body_json, envelope, paginate, v3_error
from integrations.sandbox.core import SandboxResponse, route

PRODUCT_VIDEOS = V3 + r"/catalog/products/(?P<product_id>\d+)/videos"


class VideosMixin:
    def product_videos(self, product):
        return sorted(product.setdefault("_videos", []), key=lambda v: (v["sort_order"], v["id"]))

    @route("GET", PRODUCT_VIDEOS)
    def list_videos(self, request, account, store_hash, product_id):
        chunk, meta = paginate(request, self.product_videos(self._find_product(account, product_id)))
        return envelope(chunk, meta)

    @route("POST", PRODUCT_VIDEOS)
    def create_video(self, request, account, store_hash, product_id):
        product = self._find_product(account, product_id)
        body = body_json(request) or {}
        errors = {}
        if not isinstance(body.get("video_id"), str) or not body["video_id"] or len(body["video_id"]) > 25:
            errors["video_id"] = "error.path.missing" if not body.get("video_id") else "Must be at most 25 characters."
        if body.get("type", "youtube") != "youtube":
            errors["type"] = "Must be one of: youtube."
        if errors:
            raise v3_error(422, "JSON data is missing or invalid", errors)
        video = {"id": self.next_id(), "product_id": int(product["id"]), "video_id": body["video_id"],
                 "type": "youtube", "title": body.get("title") or body["video_id"],
                 "description": body.get("description") or "", "sort_order": int(body.get("sort_order") or 0),
                 "length": "0:00", "views": 0}
        product.setdefault("_videos", []).append(video)
        return envelope(video)

    @route("DELETE", PRODUCT_VIDEOS + r"/(?P<video_pk>\d+)")
    def delete_video(self, request, account, store_hash, product_id, video_pk):
        product = self._find_product(account, product_id)
        videos = product.setdefault("_videos", [])
        if not any(v["id"] == int(video_pk) for v in videos):
            raise v3_error(404, "The requested resource was not found.")
        product["_videos"] = [v for v in videos if v["id"] != int(video_pk)]
        return SandboxResponse(204, None)
