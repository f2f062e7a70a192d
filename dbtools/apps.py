from django.apps import AppConfig


class DbToolsConfig(AppConfig):
    name = "dbtools"
    verbose_name = "Database tools"

    def ready(self):
        from dbtools import lookups  # noqa: F401 - registers ``field__any``
