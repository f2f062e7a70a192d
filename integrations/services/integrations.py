"""Integrations as sets of members: creating one, changing a member's roles, finding them."""

from django.db import transaction
from django.utils.translation import gettext as _

from integrations.kinds import UnknownKind, kind_get
from integrations.models import Connection, Integration, IntegrationMember, Role
from integrations.services.connections import ConnectionProblem
from merchants.tenancy import ensure_owned, scoped

RESOURCES = ("products", "stock")


def _roles_checked(roles):
    unknown = set(roles) - set(RESOURCES)
    if unknown:
        raise ConnectionProblem(_("Flyt cannot sync %(what)s yet.") % {"what": ", ".join(sorted(unknown))})
    for role in roles.values():
        if role not in Role.values:
            raise ConnectionProblem(_("Choose home base, target, both ways or off."))
    return {f"{resource}_role": roles.get(resource, Role.OFF) for resource in RESOURCES}


def _check_product_roles(members):
    """At most one home base for products, and no both-ways member beside a home base."""
    roles = [m.products_role for m in members]
    if roles.count(Role.HOME) > 1:
        raise ConnectionProblem(_("An integration has one home base for its products."))
    if Role.HOME in roles and Role.BOTH in roles:
        raise ConnectionProblem(_("With a home base, the other platforms are targets: choose target instead of "
                                  "both ways."))
    if roles.count(Role.BOTH) > 2:
        raise ConnectionProblem(_("Products sync both ways between two platforms."))


@transaction.atomic
def integration_create(*, merchant, kind, members=(), name="", prices_included=False,
                       initial_scope=Integration.Scope.ALL, setup_step=""):
    """A new integration of ``kind`` between ``members``: ``[(connection, {"products": "home", "stock":
    "both"}), ...]`` (a resource left out is off). Returns the Integration."""
    try:
        policy = kind_get(kind)
    except UnknownKind as exc:
        raise ConnectionProblem(str(exc)) from exc
    connections = [connection for connection, _roles in members]
    ensure_owned(*connections, merchant=merchant)
    integration = Integration.objects.create(merchant=merchant, kind=policy.key, name=name or str(policy.label),
                                             prices_included=prices_included, initial_scope=initial_scope,
                                             setup_step=setup_step)
    for connection, roles in members:
        integration_member_set(merchant=merchant, integration=integration, connection=connection, roles=roles)
    return integration


@transaction.atomic
def integration_member_set(*, merchant, integration, connection, roles=None, replace_platform=False):
    """Put ``connection`` in ``integration`` with ``roles`` (a resource left out keeps its role, off for a
    new member). ``replace_platform``: it takes the place of the member on the same platform."""
    ensure_owned(integration, connection, merchant=merchant)
    fields = _roles_checked(roles or {})
    members = list(scoped(IntegrationMember, merchant=merchant).filter(integration=integration)
                   .select_related("connection").order_by("position", "pk"))
    member = next((m for m in members if m.connection_id == connection.pk), None)
    if member is None and replace_platform:
        member = next((m for m in members if m.connection.platform == connection.platform), None)
    if member is None:
        member = IntegrationMember(merchant=merchant, integration=integration, connection=connection,
                                   position=len(members))
        members.append(member)
    member.connection = connection
    for field, role in fields.items():
        if roles and field.removesuffix("_role") in roles:
            setattr(member, field, role)
    _check_product_roles(members)
    member.save()
    integration.forget_members()
    return member


@transaction.atomic
def integration_roles_set(*, merchant, integration, resource, roles):
    """Set every member's role for ``resource`` at once: ``{connection_id: role}``."""
    ensure_owned(integration, merchant=merchant)
    field = next(iter(_roles_checked({resource: Role.OFF})))
    members = list(scoped(IntegrationMember, merchant=merchant).filter(integration=integration)
                   .select_related("connection"))
    for member in members:
        if member.connection_id in roles:
            setattr(member, field, _roles_checked({resource: roles[member.connection_id]})[field])
    _check_product_roles(members)
    IntegrationMember.objects.bulk_update(members, [field])
    integration.forget_members()


def integrations_of_connection(*, merchant, connection, finished=True):
    """The merchant's integrations ``connection`` is a member of (finished ones only by default)."""
    ensure_owned(connection, merchant=merchant)
    found = scoped(Integration, merchant=merchant).filter(members__connection=connection).distinct()
    return found.filter(completed_at__isnull=False) if finished else found


def integration_usable(integration):
    """Every member connected and not paused: a pass can run."""
    usable = (Connection.Status.ACTIVE, Connection.Status.ERROR)
    return bool(integration.member_list) and all(c.status in usable for c in integration.connections)
