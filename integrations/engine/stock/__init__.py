"""The stock engine: notifications in (apply), the hub's levels out (push), periodic compare (reconcile).

See ``common`` for the locking rules and ``integrations.contracts.stock`` for what a platform provides.
"""

from integrations.engine.stock.apply import stock_changes_apply
from integrations.engine.stock.push import stock_push
from integrations.engine.stock.reconcile import stock_reconcile

__all__ = ["stock_changes_apply", "stock_push", "stock_reconcile"]
