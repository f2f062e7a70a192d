from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from integrations.selectors import connection_get, connection_list, connection_stock
from integrations.services.connections import connection_request_sync
from integrations.services.setup import integration_dashboard
from integrations.views.stock import stock_checked_ago
from merchants.decorators import merchant_required
from synclog.selectors import sync_run_list


@merchant_required
def dashboard(request):
    connections = list(connection_list(merchant=request.merchant))
    for connection in connections:
        connection.stock_checked_ago = stock_checked_ago(connection)
    return render(request, "integrations/dashboard.html", {
        "connections": connections,
        **integration_dashboard(merchant=request.merchant),
    })


@merchant_required
def connection_detail(request, connection_id):
    connection = connection_get(merchant=request.merchant, connection_id=connection_id)
    runs = sync_run_list(merchant=request.merchant, connection=connection)[:20]
    connection.stock_checked_ago = stock_checked_ago(connection)
    return render(request, "integrations/connection_detail.html", {
        "connection": connection, "runs": runs,
        "stock": connection_stock(merchant=request.merchant, connection=connection)})


@merchant_required
@require_POST
def connection_sync_now(request, connection_id):
    connection = connection_get(merchant=request.merchant, connection_id=connection_id)
    connection_request_sync(merchant=request.merchant, connection=connection, trigger="manual")
    messages.success(request, f"Sync of {connection.name} started. The sync log shows its progress.")
    return redirect("connection-detail", connection_id=connection.pk)
