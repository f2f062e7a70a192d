"""Serve the sandboxes over HTTP under /sandbox/<platform>/<the platform's own path>."""

from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.sandbox.core import ConnectionReset, SandboxRequest
from integrations.sandbox.registry import SANDBOXES, persisted


@csrf_exempt
def sandbox_view(request, platform, path=""):
    if platform not in SANDBOXES:
        raise Http404("No such sandbox.")
    query = {key: request.GET.getlist(key) for key in request.GET}
    headers = {key.lower(): value for key, value in request.headers.items()}
    sandbox_request = SandboxRequest(method=request.method, path="/" + path, query=query, headers=headers,
                                     body=request.body)
    with persisted(platform, write=request.method not in ("GET", "HEAD")) as sandbox:
        try:
            response = sandbox.handle(sandbox_request)
        except ConnectionReset:
            return HttpResponse(status=502)
    django_response = HttpResponse(response.content(), status=response.status)
    for name, value in response.final_headers().items():
        django_response[name] = value
    return django_response
