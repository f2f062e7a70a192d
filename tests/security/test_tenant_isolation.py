"""Walk every URL pattern of the project and check tenant isolation on each.

A URL added later is covered automatically: its keyword arguments must be listed in
OBJECT_MAKERS (how to make merchant A's object for that argument) or the test fails, and a
URL that is public on purpose must be listed in PUBLIC with the reason and the test that
covers it.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import (
    ConnectionFactory,
    IntegrationFactory,
    ProductFactory,
    SyncEntryFactory,
    SyncRunFactory,
)

MARKER = "ALPHA-PRIVATE-7731"


def _connection(merchant):
    return ConnectionFactory(merchant=merchant, name=f"{MARKER} connection").pk


def _run(merchant):
    run = SyncRunFactory(connection__merchant=merchant, connection__name=f"{MARKER} run connection")
    SyncEntryFactory(run=run, message=f"{MARKER} entry")
    return run.pk


def _integration(merchant):
    # an integration still being set up, so that its wizard steps are reachable by the owner
    integration = IntegrationFactory(merchant=merchant, name=f"{MARKER} integration", setup_step="bigcommerce",
                                     home_platform="zettle",
                                     bigcommerce__status="incomplete", zettle__status="incomplete")
    return integration.pk


def _product(merchant):
    return ProductFactory(merchant=merchant, title=f"{MARKER} product").pk


# keyword argument in a URL → how to make merchant A's object for it
OBJECT_MAKERS = {
    "connection_id": _connection,
    "run_id": _run,
    "integration_id": _integration,
    "product_id": _product,
    "step": lambda merchant: "bigcommerce",  # a wizard step (not an object; the integration is)
    "platform": lambda merchant: "bigcommerce",  # a side of the integration (not an object)
}

# url name → why it is reachable without a merchant login (and where that is tested instead)
PUBLIC = {
    "login": "the login page itself (tests/web/test_shell.py)",
    "logout": "logging out needs no merchant (tests/web/test_shell.py)",
    "healthz": "load balancer health check, returns no data",
    "webhook-receive": "platforms post here, authenticated by signature (tests/integration/test_webhook_intake.py)",
    "sandbox": "fake platforms for the demo and tests, no merchant data; off in production (tests/*/sandbox)",
}


def _walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from _walk(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, pattern


def _kwarg_names(pattern):
    return list(pattern.pattern.converters) or list(re.compile(str(pattern.pattern.regex)).groupindex)


def app_urls():
    return sorted({(name, tuple(_kwarg_names(p))) for name, p in _walk(get_resolver().url_patterns)
                   if not name.startswith("admin:")})


def admin_urls():
    return sorted({(name, tuple(_kwarg_names(p))) for name, p in _walk(get_resolver().url_patterns)
                   if name.startswith("admin:")})


def _objects_of(merchant, kwargs):
    missing = [k for k in kwargs if k not in OBJECT_MAKERS]
    assert not missing, f"Add a maker for URL argument(s) {missing} to OBJECT_MAKERS so isolation is tested"
    return {k: OBJECT_MAKERS[k](merchant) for k in kwargs}


def test_the_walk_finds_the_urls_we_know():
    names = {name for name, _ in app_urls()}
    assert {"dashboard", "connection-detail", "connection-sync-now", "synclog-runs", "synclog-run"} <= names
    assert len(admin_urls()) > 20


@pytest.mark.django_db
@pytest.mark.parametrize("name,kwargs", app_urls())
def test_every_url_isolates_tenants(name, kwargs, client, client_a, client_b, merchant_a):
    if name in PUBLIC:
        return
    url = reverse(name, kwargs=_objects_of(merchant_a, kwargs))

    for method in ("get", "post"):
        anonymous = getattr(client, method)(url)
        assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login")), (name, method)

    served = []
    for method in ("get", "post"):
        response = getattr(client_b, method)(url)
        if kwargs:
            # 405 (method not served, for anybody) reveals nothing; the method the view serves must 404.
            assert response.status_code in (404, 405), f"{name}: merchant B reached A's object with {method}"
            served.append(response.status_code == 404)
        else:
            assert response.status_code in (200, 302, 404, 405), (name, method, response.status_code)
            assert MARKER not in response.content.decode(errors="replace"), f"{name} shows A's data to B"

    assert not kwargs or any(served), f"{name}: no method answered 404 to another merchant"
    owner = client_a.get(url)
    assert owner.status_code in (200, 302, 405), f"{name}: the owner should reach it, got {owner.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize("name,kwargs", admin_urls())
def test_admin_is_for_staff_only(name, kwargs, client, client_a):
    if name in ("admin:login", "admin:logout"):
        return
    values = {"app_label": "catalog", "model_name": "product", "object_id": "1", "content_type_id": "1",
              "id": "1", "uidb64": "x", "token": "x", "url": "x"}
    try:
        url = reverse(name, kwargs={k: values.get(k, "1") for k in kwargs})
    except Exception:  # a pattern whose arguments we cannot fill is still protected by its resolver
        return
    for who in (client, client_a):
        response = who.get(url)
        assert response.status_code == 302 and "/admin/login/" in response.url, (name, response.status_code)


@pytest.mark.django_db
def test_switching_to_a_shop_you_are_not_in_is_404(client_a, merchant_b):
    response = client_a.post(reverse("merchant-switch"), {"merchant": merchant_b.slug})
    assert response.status_code == 404
