"""Merchant information (secure.izettle.com): the organization's currency, country and default VAT rate.

``GET https://secure.izettle.com/api/resources/organizations/self/`` answers ``{uuid, name, country, language,
currency, vatPercentage, usesVat, timeZone, ...}``. Source: github:shopware/SwagPayPal
``src/Pos/Api/PosRequestUri.php`` (``MERCHANT_INFORMATION``) and ``src/Pos/Api/MerchantInformation.php``;
Zettle's own reference names the host as the place of merchant information. Assumed: any API key of the
organization may read it (Shopware reads it with the product scopes).
"""

from decimal import Decimal, InvalidOperation


class OrganizationApi:
    """Mixed into ZettleClient."""

    def merchant_information(self):
        """The organization's merchant information (one call; the caller keeps what it needs)."""
        return self.call("secure", "GET", "/api/resources/organizations/self/").json() or {}


def organization_currency(info) -> str:
    """The ISO currency the organization sells in ("" when Zettle did not say)."""
    return str((info or {}).get("currency") or "").strip().upper()


def organization_vat(info) -> str:
    """The organization's default VAT rate as Zettle writes ``vatPercentage`` ("25", "12.5"); "" when the
    organization does not use VAT or did not say."""
    info = info or {}
    if info.get("usesVat") is False or info.get("vatPercentage") is None:
        return ""
    try:
        rate = Decimal(str(info["vatPercentage"]))
    except InvalidOperation:
        return ""
    return format(rate.normalize(), "f")
