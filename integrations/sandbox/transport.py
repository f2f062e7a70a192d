"""Serve a sandbox to httpx in-process: ``httpx.Client(transport=SandboxTransport(sandbox))``."""

import httpx

from integrations.sandbox.core import ConnectionReset, SandboxRequest


def _strip_prefix(path, platform):
    prefix = f"/sandbox/{platform}"
    return path[len(prefix):] or "/" if path.startswith(prefix) else path


class SandboxTransport(httpx.BaseTransport):
    def __init__(self, sandbox):
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        query = {}
        for key, value in request.url.params.multi_items():
            query.setdefault(key, []).append(value)
        sandbox_request = SandboxRequest(
            method=request.method,
            path=_strip_prefix(request.url.path, self.sandbox.platform),
            query=query,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=request.read(),
        )
        try:
            response = self.sandbox.handle(sandbox_request)
        except ConnectionReset as exc:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                            request=request) from exc
        return httpx.Response(response.status, headers=response.final_headers(), content=response.content(),
                              request=request)
