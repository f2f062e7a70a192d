from django.apps import apps

from merchants.tenancy import MerchantOwnedModel

TENANT_APPS = {"catalog", "inventory", "synclog", "loyalty", "integrations"}
# Rows that are not a merchant's: the per-message delivery counter of the task queue.
NOT_TENANT_OWNED = {"integrations.TaskAttempt"}


def test_every_model_in_the_tenant_apps_carries_its_merchant():
    for model in apps.get_models():
        if model._meta.app_label not in TENANT_APPS or model._meta.label in NOT_TENANT_OWNED:
            continue
        assert issubclass(model, MerchantOwnedModel), f"{model._meta.label} must subclass MerchantOwnedModel"
        field = model._meta.get_field("merchant")
        assert field.related_model._meta.label == "merchants.Merchant"
        assert not field.null, f"{model._meta.label}.merchant must not be nullable"
