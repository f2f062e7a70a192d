from django.apps import AppConfig


class DbToolsConfig(AppConfig):
    name = "dbtools"
    verbose_name = "Database tools"

    def ready(self):
        # Django app loading: custom lookups are registered once the app is ready (Django's convention)
        from dbtools import lookups  # noqa: F401 - registers ``field__any``
