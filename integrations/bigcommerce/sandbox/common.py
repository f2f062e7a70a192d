"""Shared pieces of the BigCommerce sandbox: error bodies, the V3 envelope and its pagination,
filter parsing, and BigCommerce's money and date formats."""

import math
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime

from integrations.sandbox.core import SandboxError, SandboxResponse

STATUS_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
STORE = r"/stores/(?P<store_hash>[a-z0-9]+)"
V3 = STORE + "/v3"
V2 = STORE + "/v2"
DEFAULT_LIMIT = 50
MAX_LIMIT = 250


def v3_error(status, title, errors=None, *, problem=False):
    """A V3 error: ``{status, title, type, errors}`` (``application/problem+json`` for the Inventory API)."""
    body = {"status": status, "title": title, "type": STATUS_TYPE}
    if errors is not None:
        body["errors"] = errors
    headers = {"Content-Type": "application/problem+json"} if problem else {}
    return SandboxError(status, body, headers)


def v2_error(status, message, details=None):
    """A V2 error: a bare array of ``{status, message}``."""
    item = {"status": status, "message": message}
    if details:
        item["details"] = details
    return SandboxError(status, [item])


def too_large(maximum, *, period=True):
    end = "." if period else ""
    return v3_error(413, f"The request payload is too large. The maximum items allowed in the array is {maximum}{end}",
                    {})


def envelope(data, meta=None, status=200):
    return SandboxResponse(status=status, body={"data": data, "meta": meta if meta is not None else {}})


def page_params(request, *, default=DEFAULT_LIMIT, maximum=MAX_LIMIT, v2=False):
    """``(page, limit)`` from the query; V3 answers a ``limit`` above the maximum with 413."""
    try:
        limit = int(float(request.arg("limit", default)))
        page = int(float(request.arg("page", 1)))
    except ValueError as exc:
        if v2:
            raise v2_error(400, "The field 'limit' or 'page' is invalid.") from exc
        raise v3_error(422, "Invalid query parameter", {"limit": "must be an integer"}) from exc
    if limit > maximum:
        if v2:
            limit = maximum
        else:
            raise v3_error(413, f"The requested limit {limit} is too large. The maximum limit is {maximum}.", {})
    if limit < 1 or page < 1:
        if v2:
            raise v2_error(400, "The fields 'limit' and 'page' must be 1 or more.")
        raise v3_error(422, "Invalid query parameter", {"limit": "must be 1 or more", "page": "must be 1 or more"})
    return page, limit


def paginate(request, items, *, default=DEFAULT_LIMIT, maximum=MAX_LIMIT):
    """Slice ``items`` for the requested page; returns (page items, V3 ``meta`` with full pagination)."""
    page, limit = page_params(request, default=default, maximum=maximum)
    total = len(items)
    total_pages = math.ceil(total / limit) if total else 0
    chunk = items[(page - 1) * limit:page * limit]
    links = {"current": f"?page={page}&limit={limit}"}
    if page > 1:
        links["previous"] = f"?page={page - 1}&limit={limit}"
    if page < total_pages:
        links["next"] = f"?page={page + 1}&limit={limit}"
    pagination = {"total": total, "count": len(chunk), "per_page": limit, "current_page": page,
                  "total_pages": total_pages, "links": links}
    return chunk, {"pagination": pagination}


def id_set(request, name, *, cast=int):
    """The values of a ``name`` filter such as ``id:in=1,2,3`` (None when absent)."""
    raw = request.arg(name)
    if raw is None:
        return None
    values = set()
    for part in str(raw).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            values.add(cast(part))
        except ValueError as exc:
            raise v3_error(422, f"Invalid value for filter {name}", {name: f"{part!r} is not valid"}) from exc
    return values


def body_json(request):
    """The JSON body of a write; 415 without ``application/json``, 400 when it does not parse."""
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if request.body and content_type not in ("application/json", ""):
        raise v3_error(415, "The request's Content-Type is not supported. Use application/json.")
    try:
        return request.json()
    except ValueError as exc:
        raise v3_error(400, "Input is invalid.", {"body": "The request body is not valid JSON."}) from exc


def iso(ts):
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def rfc2822(ts):
    return format_datetime(datetime.fromtimestamp(ts, UTC))


def money2(value):
    """V2 money: a string with four decimals."""
    return f"{Decimal(str(value or 0)):.4f}"


def to_float(value):
    return float(Decimal(str(value)))
