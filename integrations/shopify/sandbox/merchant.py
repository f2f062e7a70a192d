"""What happens in the shop without our app: sales, refunds, edits in the Shopify admin, new
customers, uninstalling. Each helper changes the state AND sends the webhooks Shopify would send."""

from decimal import Decimal

from integrations.shopify.sandbox.store import gid, money


class MerchantMixin:
    def _shop(self, account_key):
        return self.account(account_key)

    def sell(self, account_key, sku, quantity=1, *, location_id=None, email="jane@example.com", customer_id=None):
        """A paid order for ``quantity`` of ``sku``: available goes down, committed up."""
        with self.lock:
            account = self._shop(account_key)
            product, variant = self.variant_by_sku(account, sku)
            if variant is None:
                raise KeyError(f"No variant with SKU {sku!r} in shop {account_key}")
            location_id = int(location_id or self.primary_location(account)["id"])
            level = self.level(account, variant["inventory_item_id"], location_id, create=True)
            self.change_level(account, level, delta=-int(quantity), committed_delta=int(quantity))
            customer = (account["customers"].get(str(customer_id)) if customer_id
                        else self.admin_create_customer(account_key, email=email, notify=False))
            order = self._order(account, product, variant, int(quantity), location_id, customer)
            customer["orders_count"] += 1
            customer["last_order_id"], customer["last_order_name"] = order["id"], order["name"]
            customer["total_spent"] = money(Decimal(customer["total_spent"]) + Decimal(order["total_price"]))
            self.emit(account, "orders/create", order)
            self.emit(account, "orders/paid", order)
            self.emit(account, "inventory_levels/update", self.rest_level(account, level))
            return order

    def _order(self, account, product, variant, quantity, location_id, customer):
        now = self.iso(account)
        account["order_number"] += 1
        order_id, line_id = self.next_id(), self.next_id()
        total = money(Decimal(variant["price"]) * quantity)
        tax = money(Decimal(total) * Decimal("0.2"))
        bag = {"shop_money": {"amount": total, "currency_code": account["currency"]},
               "presentment_money": {"amount": total, "currency_code": account["currency"]}}
        address = {"first_name": customer["first_name"], "last_name": customer["last_name"],
                   "name": f"{customer['first_name']} {customer['last_name']}", "address1": "Vesterbrogade 1",
                   "address2": "", "city": "Copenhagen", "company": None, "country": "Denmark", "country_code": "DK",
                   "province": None, "province_code": None, "zip": "1620", "phone": None, "latitude": 55.6736,
                   "longitude": 12.5681}
        order = {
            "id": order_id, "admin_graphql_api_id": gid("Order", order_id), "name": f"#{account['order_number']}",
            "order_number": account["order_number"], "number": account["order_number"] - 1000,
            "email": customer["email"], "phone": None, "created_at": now, "updated_at": now, "processed_at": now,
            "closed_at": None, "cancelled_at": None, "cancel_reason": None, "currency": account["currency"],
            "presentment_currency": account["currency"], "taxes_included": True, "test": False,
            "financial_status": "paid", "fulfillment_status": None, "confirmed": True, "source_name": "web",
            "location_id": location_id, "subtotal_price": total, "total_line_items_price": total,
            "total_discounts": "0.00", "total_tax": tax, "total_price": total, "current_total_price": total,
            "current_subtotal_price": total, "current_total_tax": tax, "current_total_discounts": "0.00",
            "total_outstanding": "0.00", "total_price_set": bag, "total_shipping_price_set": {
                "shop_money": {"amount": "0.00", "currency_code": account["currency"]},
                "presentment_money": {"amount": "0.00", "currency_code": account["currency"]}},
            "customer": {k: v for k, v in customer.items() if k != "addresses"},
            "line_items": [{
                "id": line_id, "admin_graphql_api_id": gid("LineItem", line_id), "product_id": product["id"],
                "variant_id": variant["id"], "sku": variant["sku"], "title": product["title"],
                "variant_title": variant["title"], "name": f"{product['title']} - {variant['title']}",
                "vendor": product["vendor"], "quantity": quantity, "current_quantity": quantity,
                "fulfillable_quantity": quantity, "price": variant["price"],
                "price_set": {"shop_money": {"amount": variant["price"], "currency_code": account["currency"]},
                              "presentment_money": {"amount": variant["price"], "currency_code": account["currency"]}},
                "grams": variant["grams"], "requires_shipping": True, "taxable": variant["taxable"],
                "fulfillment_status": None, "fulfillment_service": "manual", "product_exists": True,
                "variant_inventory_management": variant["inventory_management"], "properties": [],
                "tax_lines": [], "discount_allocations": [], "gift_card": False, "total_discount": "0.00"}],
            "refunds": [], "fulfillments": [], "shipping_lines": [], "tax_lines": [], "discount_codes": [],
            "note": None, "note_attributes": [], "tags": "", "billing_address": address, "shipping_address": address,
            "browser_ip": "192.0.2.10", "buyer_accepts_marketing": False, "cart_token": None, "checkout_id": None,
            "checkout_token": None, "token": f"{order_id:032x}", "client_details": {
                "accept_language": "da-DK", "browser_ip": "192.0.2.10", "session_hash": None, "user_agent": None},
            "gateway": "shopify_payments", "payment_gateway_names": ["shopify_payments"], "landing_site": "/",
            "landing_site_ref": None, "referring_site": "", "reference": None, "source": None,
            "payment_details": {"avs_result_code": None, "credit_card_bin": "424242", "cvv_result_code": None,
                                "credit_card_number": "•••• •••• •••• 4242", "credit_card_company": "Visa"},
            "processing_method": "direct", "total_price_usd": None, "total_weight": variant["grams"] * quantity,
            "user_id": None,
        }
        account["orders"][str(order_id)] = order
        return order

    def refund(self, account_key, order_id, *, quantity=None, restock=True, note="Returned"):
        """Refund the first line of an order; with ``restock`` the units return to available."""
        with self.lock:
            account = self._shop(account_key)
            order = account["orders"][str(order_id)]
            line = order["line_items"][0]
            quantity = int(quantity or line["quantity"])
            amount = money(Decimal(line["price"]) * quantity)
            now = self.iso(account)
            refund_id = self.next_id()
            bag = {"shop_money": {"amount": amount, "currency_code": account["currency"]},
                   "presentment_money": {"amount": amount, "currency_code": account["currency"]}}
            refund = {
                "id": refund_id, "order_id": order["id"], "admin_graphql_api_id": gid("Refund", refund_id),
                "created_at": now, "processed_at": now, "note": note, "restock": restock, "user_id": None,
                "refund_line_items": [{"id": self.next_id(), "line_item_id": line["id"], "quantity": quantity,
                                       "restock_type": "return" if restock else "no_restock",
                                       "location_id": order["location_id"], "subtotal": float(amount),
                                       "total_tax": 0.0, "subtotal_set": bag, "line_item": line}],
                "transactions": [{"id": self.next_id(), "order_id": order["id"], "kind": "refund",
                                  "status": "success", "amount": amount, "currency": account["currency"],
                                  "gateway": "shopify_payments", "parent_id": None, "created_at": now,
                                  "authorization": None, "device_id": None, "error_code": None,
                                  "location_id": order["location_id"], "message": "Refunded", "receipt": {},
                                  "source_name": "web", "test": False, "user_id": None}],
                "order_adjustments": [], "refund_shipping_lines": [], "duties": [],
            }
            order["refunds"].append(refund)
            refunded = sum(Decimal(t["amount"]) for r in order["refunds"] for t in r["transactions"])
            order["current_total_price"] = money(Decimal(order["total_price"]) - refunded)
            order["financial_status"] = "refunded" if refunded >= Decimal(order["total_price"]) else \
                "partially_refunded"
            order["updated_at"] = now
            self.emit(account, "refunds/create", refund)
            self.emit(account, "orders/updated", order)
            if restock:
                _, variant = self.find_variant(account, line["variant_id"])
                level = self.level(account, variant["inventory_item_id"], order["location_id"], create=True)
                self.change_level(account, level, delta=quantity, committed_delta=-quantity)
                self.emit(account, "inventory_levels/update", self.rest_level(account, level))
            return refund

    def admin_update_product(self, account_key, product_id, **fields):
        """An edit in the Shopify admin: REST field names (title, body_html, vendor, tags, status, ...)."""
        with self.lock:
            account = self._shop(account_key)
            product = account["products"][str(product_id)]
            product.update(fields)
            product["updated_at"] = self.iso(account)
            body = self.rest_product(account, product)
            self.emit(account, "products/update", body)
            return body

    def admin_update_variant(self, account_key, sku, **fields):
        with self.lock:
            account = self._shop(account_key)
            product, variant = self.variant_by_sku(account, sku)
            if "price" in fields:
                fields["price"] = money(fields["price"])
            variant.update(fields)
            variant["updated_at"] = product["updated_at"] = self.iso(account)
            body = self.rest_product(account, product)
            self.emit(account, "products/update", body)
            return body

    def admin_delete_product(self, account_key, product_id):
        with self.lock:
            account = self._shop(account_key)
            product = account["products"].pop(str(product_id))
            for variant in product["variants"]:
                self.delete_variant_data(account, variant)
            self.emit(account, "products/delete", {"id": product["id"]})

    def admin_set_stock(self, account_key, sku, available, *, location_id=None):
        """A stock count typed into the Shopify admin."""
        with self.lock:
            account = self._shop(account_key)
            _, variant = self.variant_by_sku(account, sku)
            location_id = int(location_id or self.primary_location(account)["id"])
            level = self.level(account, variant["inventory_item_id"], location_id, create=True)
            self.change_level(account, level, available=available)
            body = self.rest_level(account, level)
            self.emit(account, "inventory_levels/update", body)
            return body

    def stock_of(self, account_key, sku, *, location_id=None):
        """The ``available`` quantity of ``sku`` at a location (the primary one by default)."""
        account = self._shop(account_key)
        _, variant = self.variant_by_sku(account, sku)
        if variant is None:
            raise KeyError(f"No variant with SKU {sku!r} in shop {account_key}")
        location_id = int(location_id or self.primary_location(account)["id"])
        level = self.level(account, variant["inventory_item_id"], location_id)
        return level["available"] if level else 0

    def admin_create_customer(self, account_key, *, email, first_name="Jane", last_name="Doe", notify=True):
        with self.lock:
            account = self._shop(account_key)
            for customer in account["customers"].values():
                if customer["email"] == email:
                    return customer
            now = self.iso(account)
            customer_id = self.next_id()
            address = {"id": self.next_id(), "customer_id": customer_id, "first_name": first_name,
                       "last_name": last_name, "name": f"{first_name} {last_name}", "company": None,
                       "address1": "Vesterbrogade 1", "address2": "", "city": "Copenhagen", "province": None,
                       "country": "Denmark", "zip": "1620", "phone": None, "province_code": None,
                       "country_code": "DK", "country_name": "Denmark", "default": True}
            customer = {
                "id": customer_id, "email": email, "first_name": first_name, "last_name": last_name, "phone": None,
                "created_at": now, "updated_at": now, "state": "disabled", "note": None, "verified_email": True,
                "tax_exempt": False, "tags": "", "currency": account["currency"], "orders_count": 0,
                "total_spent": "0.00", "last_order_id": None, "last_order_name": None, "multipass_identifier": None,
                "accepts_marketing": False, "addresses": [address], "default_address": address,
                "email_marketing_consent": {"state": "not_subscribed", "opt_in_level": "single_opt_in",
                                            "consent_updated_at": None},
                "sms_marketing_consent": None, "admin_graphql_api_id": gid("Customer", customer_id),
            }
            account["customers"][str(customer_id)] = customer
            if notify:
                self.emit(account, "customers/create", customer)
            return customer

    def uninstall(self, account_key):
        """The merchant removes the app: the token stops working and ``app/uninstalled`` is sent."""
        with self.lock:
            account = self._shop(account_key)
            body = {"id": account["id"], "name": account["name"], "email": account["email"],
                    "domain": account["domain"], "myshopify_domain": account["domain"]}
            self.emit(account, "app/uninstalled", body)
            account["installed"] = False
