from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        # Django app loading: the tasks import services, engine and models, which need the app registry
        # ready. Imported here so that every process registers them with Celery and the services can
        # queue them by name (``integrations.tasking.enqueue``).
        from integrations import tasks  # noqa: F401
