from django.urls import path

from integrations.views import dashboard, products, setup, stock, webhooks

urlpatterns = [
    path("webhooks/<str:platform>/<uuid:public_id>/", webhooks.receive, name="webhook-receive"),
    path("", dashboard.dashboard, name="dashboard"),
    path("connections/<int:connection_id>/", dashboard.connection_detail, name="connection-detail"),
    path("connections/<int:connection_id>/sync/", dashboard.connection_sync_now, name="connection-sync-now"),
    path("connections/<int:connection_id>/locations/", stock.connection_locations_save, name="connection-locations"),
    path("connections/<int:connection_id>/stock/reconcile/", stock.connection_stock_reconcile,
         name="connection-stock-reconcile"),
    # Zettle <-> BigCommerce: the setup wizard, the integration page, products, disconnect
    path("integrations/new/", setup.integration_new, name="integration-new"),
    path("integrations/<int:integration_id>/", setup.integration_detail, name="integration-detail"),
    path("integrations/<int:integration_id>/setup/<slug:step>/", setup.setup_step, name="integration-setup"),
    path("integrations/<int:integration_id>/sync/", setup.integration_sync_now, name="integration-sync-now"),
    path("integrations/<int:integration_id>/disconnect/<slug:platform>/", setup.integration_disconnect,
         name="integration-disconnect"),
    path("integrations/<int:integration_id>/products/", products.product_list, name="integration-products"),
    path("integrations/<int:integration_id>/products/<int:product_id>/", products.product_detail,
         name="integration-product"),
    path("integrations/<int:integration_id>/products/<int:product_id>/stock/tracking/",
         products.product_stock_tracking, name="integration-product-stock-tracking"),
    path("integrations/<int:integration_id>/products/<int:product_id>/stock/separate/",
         products.product_separate_stock, name="integration-product-separate-stock"),
    path("integrations/<int:integration_id>/products/<int:product_id>/stock/separate/off/",
         products.product_separate_stock_off_confirm, name="integration-product-separate-stock-off"),
    path("integrations/<int:integration_id>/products/assign/", products.products_assign,
         name="integration-products-assign"),
    path("integrations/<int:integration_id>/products/unassign/", products.products_unassign,
         name="integration-products-unassign"),
]
