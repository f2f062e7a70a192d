"""The setup wizard's steps, each saved as it is submitted (``Integration.setup_step`` is the open one)."""

from django.conf import settings
from django.db import transaction

from integrations.engine.setup import integration_activate
from integrations.errors import ConnectorError
from integrations.kinds.zettle_bigcommerce import ZettleBigCommerce
from integrations.models import Connection, Direction, Integration, IntegrationMember, Role
from integrations.platforms import PLATFORMS, platforms_with
from integrations.registry import connector_for, sandbox_account_create
from integrations.services.connections import (
    ConnectionProblem,
    connection_create,
    connection_set_credentials,
    connection_update,
)
from integrations.services.integrations import integration_create, integration_member_set
from integrations.services.setup.credentials import (
    setup_address_check,
    setup_credential_check,
    setup_credentials_probe,
)
from integrations.services.setup.reading import (
    ENDED,
    integration_is_ended,
    setup_prices_choice,
    setup_step_label,
    setup_step_open,
    setup_steps,
)
from integrations.tasking import STOCK_CONNECTION_START, enqueue_on_commit
from merchants.tenancy import ensure_owned, scoped


def _check_open(integration):
    if integration.completed_at is not None:
        raise ConnectionProblem("This integration is already set up. To change its set-up, disconnect it and "
                                "connect again.")
    if integration_is_ended(integration):
        raise ConnectionProblem("This integration was disconnected. Start a new one to connect again.")


def _advance(integration, step):
    """Record that ``step`` was saved: the open step becomes the one after it."""
    steps = setup_steps(integration)
    nxt = steps[steps.index(step) + 1] if step in steps and step != steps[-1] else step
    integration.setup_step = nxt
    integration.save(update_fields=["setup_step", "prices_included", "initial_scope"])
    return integration


def integration_start(*, merchant, kind=ZettleBigCommerce.key):
    """The merchant's integration of ``kind`` still being set up, or a new one."""
    existing = scoped(Integration, merchant=merchant).filter(kind=kind, completed_at__isnull=True).exclude(
        setup_step=ENDED).order_by("-created_at", "-pk").first()
    if existing is not None:
        return existing
    integration = integration_create(merchant=merchant, kind=kind)
    integration.setup_step = setup_steps(integration)[0]
    integration.save(update_fields=["setup_step"])
    return integration


def setup_sandbox_account(*, merchant, platform):
    """A new sandbox account on ``platform`` (what a merchant would type in to connect it).

    Only when sandboxes are enabled. A sandbox served in process (tests) is used when one is
    installed; otherwise the shared one the web server serves under /sandbox/.
    """
    if not settings.SANDBOX_ENABLED:
        raise ConnectionProblem("Sandbox accounts are not available here.")
    if platform not in PLATFORMS:
        raise ConnectionProblem(f"Flyt has no sandbox for {platform!r}.")
    options = {"currency": merchant.default_currency} if merchant.default_currency else {}
    return sandbox_account_create(platform, **options)


def _probe(platform, *, credentials, settings_):
    """One real read with these credentials; returns the account id and settings learnt on the way.
    ConnectionProblem if the platform refuses."""
    return setup_credentials_probe(platform=platform, credentials=credentials, settings_=settings_)


def _check_one_to_one(*, merchant, integration, platform, external_account_id):
    """One Zettle account ↔ one BigCommerce store: refuse an account another integration uses."""
    other = PLATFORMS["zettle" if platform == "bigcommerce" else "bigcommerce"].label
    label = PLATFORMS[platform].label
    used_by = scoped(IntegrationMember, merchant=merchant).filter(
        integration__kind=integration.kind, connection__platform=platform,
        connection__external_account_id=external_account_id).exclude(integration=integration).exclude(
        connection__status=Connection.Status.DISCONNECTED).values_list("integration_id", flat=True)
    for used in scoped(Integration, merchant=merchant).filter(pk__in=list(used_by)):
        ended = " (disconnected on the other side; disconnect this side too)" if integration_is_ended(used) else ""
        raise ConnectionProblem(
            f"This {label} account is already connected to {other} in your integration '{used.name}'{ended}. "
            f"One Zettle account connects to one BigCommerce store; disconnect that integration first.")


def _connect(*, merchant, integration, platform, credentials, settings_, name):
    _check_open(integration)
    external_account_id, learnt = _probe(platform, credentials=credentials, settings_=settings_)
    settings_ = {**settings_, **learnt}
    _check_one_to_one(merchant=merchant, integration=integration, platform=platform,
                      external_account_id=external_account_id)
    with transaction.atomic():
        connection = integration.connection_for(platform)
        if connection is not None and connection.status == Connection.Status.INCOMPLETE:
            connection_update(merchant=merchant, connection=connection, settings=settings_, name=name,
                              external_account_id=external_account_id)
            connection_set_credentials(merchant=merchant, connection=connection, credentials=credentials)
        else:
            connection = connection_create(merchant=merchant, platform=platform, name=name, credentials=credentials,
                                           settings=settings_, external_account_id=external_account_id)
        integration_member_set(merchant=merchant, integration=integration, connection=connection,
                               replace_platform=True)
        _advance(integration, platform)
    return connection


def _base_url(platform, base_url, sandbox_settings):
    """The API address: a new sandbox account's own (a typed one is ignored then), or one typed in
    where sandboxes are enabled, which must be the configured sandbox's or on the platform's own
    hosts (``setup_address_check``)."""
    if sandbox_settings:
        return {k: v for k, v in sandbox_settings.items() if k in ("sandbox", "base_url")}
    if base_url and settings.SANDBOX_ENABLED:
        address = setup_address_check(platform=platform, base_url=base_url)
        return {"base_url": address} if address else {}
    return {}


def setup_connect_bigcommerce(*, merchant, integration, store_hash="", access_token="", client_secret="",
                              base_url="", use_sandbox=False):
    """Step 1: connect the BigCommerce store (or a new sandbox store), checked with one read call."""
    ensure_owned(integration, merchant=merchant)
    sandbox = {}
    if use_sandbox:
        _check_open(integration)
        account = setup_sandbox_account(merchant=merchant, platform="bigcommerce")
        store_hash = account["settings"]["store_hash"]
        access_token = account["credentials"]["access_token"]
        client_secret = account["credentials"]["client_secret"]
        sandbox = account["settings"]
    store_hash = setup_credential_check(platform="bigcommerce", field="store_hash", value=store_hash)
    access_token = setup_credential_check(platform="bigcommerce", field="access_token", value=access_token)
    client_secret = setup_credential_check(platform="bigcommerce", field="client_secret", value=client_secret)
    missing = [label for label, value in (("the store hash", store_hash), ("the access token", access_token),
                                          ("the client secret", client_secret)) if not value]
    if missing:
        raise ConnectionProblem(f"Enter {', '.join(missing)} to connect BigCommerce.")
    settings_ = {"store_hash": store_hash, **_base_url("bigcommerce", base_url, sandbox)}
    if sandbox:
        settings_["sandbox"] = True
    return _connect(merchant=merchant, integration=integration, platform="bigcommerce",
                    credentials={"access_token": access_token, "client_secret": client_secret}, settings_=settings_,
                    name=f"BigCommerce {store_hash}")


def setup_connect_zettle(*, merchant, integration, api_key="", client_id="", base_url="", use_sandbox=False):
    """Step 2: connect the Zettle account with an API key (or a new sandbox account)."""
    ensure_owned(integration, merchant=merchant)
    sandbox = {}
    if use_sandbox:
        _check_open(integration)
        account = setup_sandbox_account(merchant=merchant, platform="zettle")
        api_key, client_id = account["credentials"]["api_key"], account["credentials"]["client_id"]
        sandbox = account["settings"]
    api_key = setup_credential_check(platform="zettle", field="api_key", value=api_key)
    client_id = setup_credential_check(platform="zettle", field="client_id", value=client_id)
    missing = [label for label, value in (("the API key", api_key), ("the client id", client_id)) if not value]
    if missing:
        raise ConnectionProblem(f"Enter {' and '.join(missing)} to connect Zettle.")
    settings_ = _base_url("zettle", base_url, sandbox)
    return _connect(merchant=merchant, integration=integration, platform="zettle",
                    credentials={"api_key": api_key, "client_id": client_id}, settings_=settings_, name="Zettle")


@transaction.atomic
def setup_choose_home(*, merchant, integration, home_platform):
    """Step 3: the home base, whose products win. Sets each side's directions (DESIGN §1)."""
    ensure_owned(integration, merchant=merchant)
    _check_open(integration)
    pair = ZettleBigCommerce.platforms
    if home_platform not in pair:
        raise ConnectionProblem("Choose BigCommerce or Zettle as the home base for your products.")
    if any(integration.connection_for(platform) is None for platform in pair):
        raise ConnectionProblem("Connect both BigCommerce and Zettle first.")
    for platform in pair:  # every side a target first, so that there is never more than one home base
        connection = integration.connection_for(platform)
        home = platform == home_platform
        integration_member_set(merchant=merchant, integration=integration, connection=connection,
                               roles={"products": Role.TARGET, "stock": Role.BOTH})
        connection_update(merchant=merchant, connection=connection,
                          products_direction=Direction.PULL if home else Direction.PUSH,
                          stock_direction=Direction.BOTH)
    integration_member_set(merchant=merchant, integration=integration,
                           connection=integration.connection_for(home_platform), roles={"products": Role.HOME})
    if home_platform == "bigcommerce":
        integration.initial_scope = Integration.Scope.ALL
    return _advance(integration, "home")


def setup_set_prices(*, merchant, integration, include):
    """Step 4: sync prices, only possible when both accounts sell in the same currency."""
    ensure_owned(integration, merchant=merchant)
    _check_open(integration)
    if not integration.home_platform:
        raise ConnectionProblem("Choose the home base first.")
    choice = setup_prices_choice(merchant=merchant, integration=integration)
    if include and not choice["same_currency"]:
        raise ConnectionProblem(choice["problem"])
    integration.prices_included = bool(include) and choice["same_currency"]
    return _advance(integration, "prices")


def setup_set_scope(*, merchant, integration, scope):
    """Step 5 (Zettle home base): sync all products now, or select them afterwards."""
    ensure_owned(integration, merchant=merchant)
    _check_open(integration)
    if integration.home_platform != "zettle":
        raise ConnectionProblem("Choosing products applies only when Zettle is the home base.")
    if scope not in Integration.Scope.values:
        raise ConnectionProblem("Choose whether to sync all products now or select them.")
    integration.initial_scope = scope
    return _advance(integration, "scope")


def setup_finish(*, merchant, integration):
    """Last step: prepare both platforms, activate, and run the setup sync. Returns the SyncRun."""
    ensure_owned(integration, merchant=merchant)
    _check_open(integration)
    open_step = setup_step_open(integration)
    if open_step != "finish":
        raise ConnectionProblem(f"Finish the step '{setup_step_label(integration, open_step) or open_step}' first.")
    connections = integration.connections
    if len(connections) < 2 or integration.home is None or any(
            c.status == Connection.Status.DISCONNECTED for c in connections):
        raise ConnectionProblem("Connect both platforms and choose the home base first.")
    try:
        run = integration_activate(merchant=merchant, integration=integration)
    except ConnectorError as exc:
        raise ConnectionProblem(f"The set-up could not be finished: {exc.message} Try again; nothing is lost.") \
            from exc
    _start_stock(integration)
    return run


def _start_stock(integration):
    """Stock syncs both ways from now on: map locations, register the stock notifications and bring
    every level in step, in the background."""
    for connection in integration.connections:
        enqueue_on_commit(STOCK_CONNECTION_START, connection.pk)


# --- a product sync between any two platforms (the kind "product_sync") -----------------------------------

MEMBER_STEPS = {"connect_home": "home", "connect_target": "target"}


def setup_platform_choices(*, step):
    """The platforms a product sync's connect ``step`` offers: those that can give products (home base)
    or take them (target), as their specs say. [(key, label)]."""
    role = MEMBER_STEPS.get(step)
    if role is None:
        raise ConnectionProblem("No such step.")
    wanted = {"products_read": True} if role == "home" else {"products_write": True}
    return [(key, PLATFORMS[key].label) for key in platforms_with(**wanted)]


def setup_connect_member(*, merchant, integration, step, platform, credentials=None, settings_=None, name="",
                         use_sandbox=False):
    """A product sync's connect step: connect ``platform`` (or a new sandbox account on it) as the home
    base ("connect_home") or the target ("connect_target"). The account is checked with the platform
    (the connector prepares it for its role, which reads the account's currency) before it is saved."""
    ensure_owned(integration, merchant=merchant)
    _check_open(integration)
    role = MEMBER_STEPS.get(step)
    if role is None or step not in setup_steps(integration):
        raise ConnectionProblem("No such step.")
    if platform not in dict(setup_platform_choices(step=step)):
        raise ConnectionProblem(f"Choose one of: {', '.join(label for _, label in setup_platform_choices(step=step))}.")
    spec = PLATFORMS[platform]
    external_account_id = ""
    if use_sandbox:
        account = setup_sandbox_account(merchant=merchant, platform=platform)
        credentials, settings_ = account["credentials"], {**account["settings"], "sandbox": True}
        external_account_id = str(account.get("external_account_id") or "")
    else:
        credentials = {field.name: setup_credential_check(platform=platform, field=field.name,
                                                          value=(credentials or {}).get(field.name, ""))
                       for field in spec.credentials}
        missing = [str(field.label) for field in spec.credentials if not credentials[field.name]]
        if missing:
            raise ConnectionProblem(f"Enter {', '.join(missing)} to connect {spec.label}.")
        settings_ = {**spec.settings_defaults, **{k: v for k, v in (settings_ or {}).items() if v not in ("", None)}}
        external_account_id, probed = setup_credentials_probe(platform=platform, credentials=credentials,
                                                              settings_=settings_)
        settings_ = {**settings_, **probed}
    other = integration.home if role == "target" else integration.target
    if other is not None and other.platform == platform and (other.settings or {}).get("base_url") == \
            settings_.get("base_url") and other.external_account_id == external_account_id and external_account_id:
        raise ConnectionProblem("The home base and the target must be two different accounts.")
    with transaction.atomic():
        previous = integration.home if role == "home" else integration.target
        connection = connection_create(merchant=merchant, platform=platform, name=name or spec.label,
                                       credentials=credentials, settings=settings_,
                                       external_account_id=external_account_id)
        try:
            learnt = connector_for(connection).prepare(role=role) or {}
        except ConnectorError as exc:
            raise ConnectionProblem(f"Could not connect to {spec.label}: {exc.message}") from exc
        if learnt:
            connection_update(merchant=merchant, connection=connection, settings={**connection.settings, **learnt})
        if previous is not None:  # connecting again replaces the account chosen before
            IntegrationMember.objects.filter(integration=integration, connection=previous).delete()
            integration.forget_members()
        integration_member_set(merchant=merchant, integration=integration, connection=connection,
                               roles={"products": Role.HOME if role == "home" else Role.TARGET,
                                      "stock": Role.BOTH})
        _advance(integration, step)
    return connection
