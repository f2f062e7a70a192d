"""Store information and settings in the BigCommerce sandbox: what Flyt reads of an account at connect time.

- ``GET /stores/{hash}/v2/store`` (Store Information API, scope ``store_v2_information``): ``{id, domain,
  secure_url, status, name, ..., country, country_code, timezone {...}, language, currency, currency_symbol,
  decimal_separator, thousands_separator, decimal_places, currency_symbol_location, weight_units,
  dimension_units, dimension_decimal_places, ..., plan_name, plan_level, store_id, default_channel_id, ...}``
  (BigCommerce's Store Information reference; ``currency`` is the store's default currency, ``weight_units``
  one of Ounces, LBS, KGS, Grams, Tonnes).
- ``GET /stores/{hash}/v3/settings/store/units-of-measurement`` (Settings API, bigcommerce/docs
  ``reference/settings.v3.yml`` ``MeasurementUnitsSettings``): ``{data: {weight_measurement, length_measurement,
  decimal_token, thousands_token, decimal_places, factoring_dimension}, meta: {}}``.
Assumed: the plan and status values of a sandbox store.

``create_account(currency=..., weight_measurement="KGS")`` sets them.
"""

from integrations.bigcommerce.sandbox.common import V2, V3, envelope
from integrations.sandbox.core import SandboxResponse, route


class SettingsMixin:
    @route("GET", V2 + r"/store")
    def store_information(self, request, account, store_hash):
        return SandboxResponse(200, {
            "id": store_hash, "domain": f"{store_hash}.mybigcommerce.com",
            "secure_url": f"https://{store_hash}.mybigcommerce.com", "status": "live", "name": "Sandbox store",
            "first_name": "Sandbox", "last_name": "Owner", "address": "", "country": "",
            "country_code": "DK", "phone": "", "admin_email": "owner@sandbox.example",
            "order_email": "orders@sandbox.example", "favicon_url": "",
            "timezone": {"name": "Europe/Copenhagen", "raw_offset": 3600, "dst_offset": 7200, "date_format": {
                "display": "jS M Y", "export": "M jS Y", "extended_display": "M jS Y @ g:i A"}},
            "language": "en", "currency": account["currency"], "currency_symbol": account["currency"],
            "decimal_separator": ",", "thousands_separator": ".", "decimal_places": 2,
            "currency_symbol_location": "right", "weight_units": account.get("weight_measurement", "KGS"),
            "dimension_units": "Centimeters", "dimension_decimal_places": "2", "dimension_decimal_token": ",",
            "dimension_thousands_token": ".", "plan_name": "Sandbox", "plan_level": "Sandbox",
            "plan_is_trial": False, "industry": "", "logo": [], "is_price_entered_with_tax": True,
            "store_id": int(account["store_id"]), "default_channel_id": 1, "default_site_id": 1,
            "active_comparison_modules": [], "features": {
                "stencil_enabled": True, "sitewidehttps_enabled": True, "facebook_catalog_id": "",
                "checkout_type": "optimized", "wishlists_enabled": False, "graphql_storefront_api_enabled": True,
                "shopper_consent_tracking_enabled": False, "multi_storefront_enabled": True},
        })

    @route("GET", V3 + r"/settings/store/units-of-measurement")
    def units_of_measurement(self, request, account, store_hash):
        return envelope({"weight_measurement": account.get("weight_measurement", "KGS"),
                         "length_measurement": "Centimeters", "decimal_token": ",", "thousands_token": ".",
                         "decimal_places": 2, "factoring_dimension": "depth"})
