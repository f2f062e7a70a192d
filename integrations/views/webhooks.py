import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.errors import WebhookRejected
from integrations.services.webhooks import webhook_event_receive

logger = logging.getLogger("flyt.webhooks")


@csrf_exempt
@require_POST
def receive(request, platform, public_id):
    """Platforms post here. Authenticated by the platform's signature, not by a session."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.WEBHOOK_MAX_BYTES:
        logger.warning("webhook refused platform=%s connection=%s: %s bytes", platform, public_id, length)
        return JsonResponse({"error": "payload too large"}, status=413)
    body = request.read(settings.WEBHOOK_MAX_BYTES + 1)
    if len(body) > settings.WEBHOOK_MAX_BYTES:
        return JsonResponse({"error": "payload too large"}, status=413)
    try:
        webhook_event_receive(platform=platform, public_id=public_id, headers=dict(request.headers), body=body)
    except WebhookRejected as exc:
        logger.warning("webhook refused platform=%s connection=%s: %s", platform, public_id, exc.reason)
        return JsonResponse({"error": exc.reason}, status=401 if "unknown" not in exc.reason else 404)
    return HttpResponse(status=204)
