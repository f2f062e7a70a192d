"""The Zettle sandbox's merchant information: ``GET https://secure.izettle.com/api/resources/organizations/self/``
(served here as ``/secure/api/resources/organizations/self/``).

Source: the path is the one Shopware's PayPal/Zettle integration calls (``PosRequestUri::MERCHANT_INFORMATION``
in github:shopware/SwagPayPal) and its fields are that integration's ``MerchantInformation`` struct: ``uuid``,
``name``, ``receiptName``, ``city``, ``zipCode``, ``address``, ``legalName``, ``contactEmail``, ``vatPercentage``
(a number, the organization's default VAT rate), ``country``, ``language``, ``currency``, ``created``,
``ownerUuid``, ``organizationId``, ``customerStatus``, ``usesVat``, ``customerType``, ``timeZone``.
Assumed (not documented by Zettle): the values of ``customerStatus``/``customerType`` and that the answer is
the same for every scope of API key.

Each account sells in one currency and has one default VAT rate: ``create_account(currency=..., country=...,
vat_percentage=...)``; new products created without a ``vatPercentage`` get that rate.
"""

from integrations.sandbox.core import SandboxResponse, route

DEFAULT_VAT = {"SE": 25.0, "NO": 25.0, "DK": 25.0, "FI": 25.5, "DE": 19.0, "GB": 20.0, "NL": 21.0, "FR": 20.0}
LANGUAGES = {"SE": "sv", "NO": "nb", "DK": "da", "FI": "fi", "DE": "de", "GB": "en", "NL": "nl", "FR": "fr"}
TIME_ZONES = {"SE": "Europe/Stockholm", "NO": "Europe/Oslo", "DK": "Europe/Copenhagen", "FI": "Europe/Helsinki",
              "DE": "Europe/Berlin", "GB": "Europe/London", "NL": "Europe/Amsterdam", "FR": "Europe/Paris"}


class OrganizationRoutes:
    def create_account(self, **options):
        """Also: ``vat_percentage`` (the organization's default VAT rate; by country, 25 when unknown) and
        ``name``."""
        created = super().create_account(**options)
        with self.lock:
            account = self.account(created["account"])
            country = account["country"]
            vat = options.get("vat_percentage", DEFAULT_VAT.get(country, 25.0))
            account["organization"] = {
                "name": options.get("name") or "Sandbox shop", "vatPercentage": float(vat),
                "language": LANGUAGES.get(country, "en"), "timeZone": TIME_ZONES.get(country, "Europe/Stockholm"),
                "organizationId": 100000 + len(self.state["accounts"]), "created": self.stamp(),
            }
        return created

    @route("GET", r"/secure/api/resources/organizations/(?P<org>[^/]+)/?")
    def organization_info(self, request, account, org):
        self.org_check(account, org)
        info = account.get("organization") or {"name": "Sandbox shop", "vatPercentage": 25.0, "language": "en",
                                                "timeZone": "Europe/Stockholm", "organizationId": 100000,
                                                "created": self.stamp()}
        return SandboxResponse(200, {
            "uuid": account["organization_uuid"], "name": info["name"], "receiptName": info["name"],
            "city": "", "zipCode": "", "address": "", "addressLine2": "", "legalName": info["name"],
            "legalAddress": "", "legalZipCode": "", "legalCity": "", "legalState": "", "phoneNumber": "",
            "contactEmail": "owner@sandbox.example", "receiptEmail": "owner@sandbox.example",
            "legalEntityType": "LIMITED_COMPANY", "legalEntityNr": "", "vatPercentage": info["vatPercentage"],
            "country": account["country"], "language": info["language"], "currency": account["currency"],
            "created": info["created"], "ownerUuid": account["user_uuid"], "organizationId": info["organizationId"],
            "customerStatus": "ACCEPTED", "usesVat": info["vatPercentage"] > 0, "customerType": "NONE",
            "timeZone": info["timeZone"],
        })

    def default_vat(self, account):
        """The organization's default VAT rate, as Zettle writes ``vatPercentage`` ("25")."""
        vat = (account.get("organization") or {}).get("vatPercentage", 25.0)
        return f"{vat:g}"
