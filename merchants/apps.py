from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = "Merchants"

    def ready(self):
        # Django app loading: the receivers import the models, which need the app registry
        from merchants import signals  # noqa: F401 - counts sign-ins for the throttle
