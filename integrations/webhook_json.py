"""Reading a webhook body as JSON without trusting it.

Every platform Flyt takes webhooks from (BigCommerce, Shopify, Zettle, Rackbeat) posts one JSON
object, UTF-8 encoded. Anything else is refused with ``WebhookMalformed`` (answered 400), never
left to surface as a 500: invalid UTF-8, invalid JSON, another top-level type, and nesting deep
enough to exhaust the parser's recursion (``RecursionError``). A body that parses is also refused
when it is nested deeper than ``MAX_DEPTH`` (no platform's payload comes near it), so later parses
of the stored body, deeper in a worker's stack, cannot hit the recursion limit either.
"""

import json

from integrations.errors import WebhookMalformed

MAX_DEPTH = 64


def _depth_exceeds(value, limit):
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if level > limit:
            return True
        stack.extend((child, level + 1) for child in children)
    return False


def json_object(body) -> dict:
    """``body`` (bytes or text) as a dict, or ``WebhookMalformed`` saying why not."""
    if isinstance(body, bytes | bytearray | memoryview):
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            raise WebhookMalformed("body is not UTF-8") from None
    try:
        data = json.loads(body)
    except RecursionError:
        raise WebhookMalformed("body is nested too deeply") from None
    except (TypeError, ValueError):
        raise WebhookMalformed("body is not JSON") from None
    if not isinstance(data, dict):
        raise WebhookMalformed("body is not a JSON object")
    if _depth_exceeds(data, MAX_DEPTH):
        raise WebhookMalformed("body is nested too deeply")
    return data
