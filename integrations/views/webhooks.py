import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.errors import WebhookLengthRequired, WebhookMalformed, WebhookRejected, WebhookTooLarge
from integrations.services.webhooks import webhook_event_receive

logger = logging.getLogger("flyt.webhooks")

READ_CHUNK = 64 * 1024


def _read_at_most(stream, limit):
    parts, size = [], 0
    while size < limit:
        chunk = stream.read(min(READ_CHUNK, limit - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _body(request):
    """The raw body, never more than ``WEBHOOK_MAX_BYTES`` + 1 bytes read. A declared length over
    the cap is refused unread. A chunked upload has no Content-Length: Django's own stream then
    reads nothing, so the server's de-chunked ``wsgi.input`` is read directly, and only when the
    server ends it at the last chunk (``wsgi.input_terminated``, which gunicorn sets)."""
    cap = settings.WEBHOOK_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH")
    if declared:
        try:
            length = int(declared)
        except ValueError:
            raise WebhookMalformed("unreadable Content-Length") from None
        if length > cap:
            raise WebhookTooLarge(f"payload too large: over {cap} bytes")
        body = request.read(cap + 1)
    elif request.META.get("wsgi.input_terminated"):
        body = _read_at_most(request.META["wsgi.input"], cap + 1)
    elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        raise WebhookLengthRequired("a Content-Length is required")
    else:
        body = b""
    if len(body) > cap:
        raise WebhookTooLarge(f"payload too large: over {cap} bytes")
    return body


@csrf_exempt
@require_POST
def receive(request, platform, public_id):
    """Platforms post here. Authenticated by the platform's signature, not by a session. A refusal
    is answered with the status its kind carries (``WebhookRejected.status``) and logged; a stored
    or duplicate delivery, and a test message, are answered 204."""
    try:
        webhook_event_receive(platform=platform, public_id=public_id, headers=dict(request.headers),
                              body=_body(request))
    except WebhookRejected as exc:
        logger.warning("webhook refused platform=%r connection=%s status=%s: %s", platform, public_id, exc.status,
                       exc.reason)
        return JsonResponse({"error": exc.reason}, status=exc.status)
    return HttpResponse(status=204)
