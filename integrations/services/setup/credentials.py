"""What a person may type into the wizard's connect steps: the credential rules and the API address.

Credentials travel in HTTP headers (BigCommerce's ``X-Auth-Token``, Zettle's bearer token got for
the API key), so they are printable ASCII without spaces and of a bounded length; a BigCommerce
store hash is letters and digits (it is part of the API path). The API address, shown only while
the sandboxes are on, is either this platform's configured sandbox address or an address that
passes the production host guard (https on the platform's own hosts): never any other host or port.

Which credentials a platform has, and their rules, come from its spec (``PlatformSpec.credentials``);
its own hosts from its API client's ``allowed_host_suffixes``. The forms and the connect services both
check with these, so nothing typed reaches a platform client unchecked; problems are
``ConnectionProblem`` with a message for people.
"""

import re

from django.conf import settings
from django.utils.translation import gettext

from integrations.bigcommerce.mapping import weight_unit
from integrations.errors import ConnectorError
from integrations.http import RetryPolicy, production_host_allowed
from integrations.models import Connection
from integrations.platform_spec import PRINTABLE
from integrations.platforms import PLATFORMS
from integrations.platforms import load as platform_part
from integrations.registry import inprocess_sandbox_url, inprocess_transport
from integrations.services.connections import ConnectionProblem
from integrations.zettle.api_organization import organization_currency, organization_vat

_STORE_HASH = re.compile(r"[a-z0-9]{1,32}")


def _credential_field(*, platform, field):
    """The platform's declaration of credential ``field``; without a platform, the first platform (in
    the registry's order) that has such a credential."""
    specs = [PLATFORMS[platform]] if platform is not None else PLATFORMS.values()
    for spec in specs:
        for credential in spec.credentials:
            if credential.name == field:
                return spec, credential
    raise KeyError(f"No credential {field!r} for {platform or 'any platform'}")


def setup_credential_check(*, field, value, platform=None):
    """``value`` stripped, or ConnectionProblem when it cannot be credential ``field`` of ``platform``
    (its spec's rules). Empty values pass (whether a field is required is the connect step's decision)."""
    value = (value or "").strip()
    if not value:
        return value
    if field == "store_hash":
        value = value.lower()
        if not _STORE_HASH.fullmatch(value):
            raise ConnectionProblem(gettext(
                "The store hash is the part after /stores/ in your API path: letters and digits only, at most "
                "32 characters, e.g. abc123xyz."))
        return value
    spec, credential = _credential_field(platform=platform, field=field)
    names = {"label": str(credential.label), "platform": spec.label, "longest": credential.max_length}
    if not re.fullmatch(credential.pattern, value):
        if credential.pattern == PRINTABLE:
            raise ConnectionProblem(gettext(
                "The %(label)s can only contain letters without accents, digits and punctuation, with no spaces. "
                "Copy it again from %(platform)s.") % names)
        raise ConnectionProblem(gettext(
            "The %(label)s contains characters %(platform)s does not accept. Copy it again from %(platform)s.")
            % names)
    if len(value) > credential.max_length:
        raise ConnectionProblem(gettext(
            "The %(label)s is too long (at most %(longest)s characters). Copy it again from %(platform)s.") % names)
    return value


def _host_suffixes(platform):
    """The platform's own API hosts, as its client (named by its spec) guards them."""
    return platform_part(platform, "client").allowed_host_suffixes


def sandbox_addresses(platform):
    """The only sandbox addresses this platform's connection may use: the configured one
    (``SANDBOX_BASE_URL``) and, where a sandbox is served in process (tests), the in-process one."""
    if not settings.SANDBOX_ENABLED:
        return set()
    addresses = {f"{settings.SANDBOX_BASE_URL.rstrip('/')}/{platform}"}
    in_process = inprocess_sandbox_url(platform)
    if in_process is not None:
        addresses.add(in_process)
    return addresses


def setup_address_check(*, platform, base_url):
    """The typed API address, normalised, or "" when none was typed; ConnectionProblem when it is
    neither this platform's sandbox address nor on the platform's own hosts over https."""
    address = (base_url or "").strip().rstrip("/")
    if not address:
        return ""
    if address in sandbox_addresses(platform):
        return address
    if address.isascii() and production_host_allowed(address, _host_suffixes(platform)):
        return address
    label = PLATFORMS[platform].label
    raise ConnectionProblem(gettext(
        "This address is not one of %(label)s's own hosts (https only) nor Flyt's sandbox. Leave it empty to "
        "connect to %(label)s.") % {"label": label})


# --- do the credentials work: one real read -------------------------------------------------------------

_PROBE_RETRY = RetryPolicy(attempts=2, base_s=0.2, cap_s=1.0)


def setup_credentials_probe(*, platform, credentials, settings_):
    """One real read on ``platform`` with these credentials and settings (the API address included):
    ``(external_account_id, settings learnt on the way)``, by the probe the platform's spec names
    (``PlatformSpec.credential_probe``). ConnectionProblem, in words, when the platform refuses."""
    spec = PLATFORMS[platform]
    probe = platform_part(platform, "credential_probe")
    if probe is None:
        raise ConnectionProblem(gettext("Flyt cannot check %(platform)s credentials yet.") % {"platform": spec.label})
    unsaved = Connection(platform=platform, credentials=dict(credentials or {}), settings=dict(settings_ or {}))
    transport = inprocess_transport(unsaved.settings.get("base_url"))
    client = None
    try:
        client = platform_part(platform, "client").from_connection(unsaved, transport=transport)
        client.retry = _PROBE_RETRY
        return probe(client=client, settings_=unsaved.settings)
    except ConnectorError as exc:
        raise ConnectionProblem(gettext("Could not connect to %(platform)s: %(reason)s") % {
            "platform": spec.label, "reason": exc.message}) from exc
    finally:
        if client is not None:
            client.close()


def probe_bigcommerce(*, client, settings_):
    """The store hash; the store's currency and weight unit when the store says them (else prices are
    not offered)."""
    client.call("GET", "/v3/catalog/products", params={"limit": 1, "page": 1})
    facts = client.store_facts()
    unit = weight_unit(facts.get("weight_units")) if facts else ""
    learnt = {"currency": facts["currency"], **({"weight_unit": unit} if unit else {})} if facts else {}
    return settings_["store_hash"], learnt


def probe_zettle(*, client, settings_):
    """The API key's organization; its currency and default VAT rate when Zettle says them."""
    organization = str(client.users_self().get("organizationUuid") or "")
    if not organization:
        raise ConnectionProblem(gettext(
            "Zettle did not say which organization this API key belongs to. Create a new API key in Zettle and "
            "try again."))
    try:
        info = client.merchant_information()
    except ConnectorError:
        info = None
    currency = organization_currency(info) if info else ""
    learnt = {"currency": currency, "vat_percentage": organization_vat(info)} if currency else {}
    return organization, {"organization_uuid": organization, **learnt}


def probe_shopify(*, client, settings_):
    """The shop domain, once the token has read the shop's locations."""
    client.locations()
    return settings_["shop_domain"], {}


def probe_shopbox(*, client, settings_):
    """The Shopbox client id, once the username and password have read the branches."""
    client.list_branches()
    return str(settings_.get("client_id") or ""), {}


def probe_rackbeat(*, client, settings_):
    """The company the API token belongs to, and its currency when Rackbeat says it."""
    company = client.company()
    currency = str(company.get("currency") or "").strip().upper()
    return str(company["id"]), ({"currency": currency} if currency else {})
