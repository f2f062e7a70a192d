"""Integrations as merchants set them up and run them (Zettle ↔ BigCommerce and product syncs): the setup wizard
(one function per step, each saved as it is submitted), "Sync now", product selection and
"Disconnect". Views call exactly one of these; every query is scoped to the merchant.

Problems the merchant can fix are raised as ``ConnectionProblem`` with a message for people.
"""

from integrations.services.connections import ConnectionProblem
from integrations.services.setup.credentials import setup_address_check, setup_credential_check
from integrations.services.setup.reading import (
    DONE,
    ENDED,
    integration_dashboard,
    integration_get,
    integration_is_ended,
    integration_list,
    integration_product,
    integration_products,
    products_for_selection,
    setup_prices_choice,
    setup_step_keys,
    setup_step_label,
    setup_step_open,
    setup_step_reachable,
    setup_steps,
)
from integrations.services.setup.running import (
    integration_disconnect_platform,
    integration_disconnect_preview,
    integration_request_sync,
    products_assign,
    products_unassign,
    products_unassign_preview,
)
from integrations.services.setup.wizard import (
    integration_start,
    setup_choose_home,
    setup_connect_bigcommerce,
    setup_connect_member,
    setup_connect_zettle,
    setup_finish,
    setup_platform_choices,
    setup_sandbox_account,
    setup_set_prices,
    setup_set_scope,
)

__all__ = [
    "DONE", "ENDED", "ConnectionProblem", "integration_dashboard",
    "integration_disconnect_platform", "integration_disconnect_preview", "integration_get", "integration_is_ended",
    "integration_list",
    "integration_product", "integration_products", "integration_request_sync", "integration_start",
    "products_assign", "products_for_selection", "products_unassign", "products_unassign_preview",
    "setup_address_check", "setup_choose_home", "setup_credential_check",
    "setup_connect_bigcommerce", "setup_connect_member", "setup_connect_zettle", "setup_platform_choices",
    "setup_finish", "setup_prices_choice",
    "setup_sandbox_account", "setup_set_prices", "setup_set_scope", "setup_step_keys", "setup_step_label",
    "setup_step_open", "setup_step_reachable",
    "setup_steps",
]
