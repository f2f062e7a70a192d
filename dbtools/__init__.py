"""Database utilities the whole project shares: set-based inserts (``bulk.rows_insert``: COPY or
``unnest`` on PostgreSQL) and the ``field__any`` lookup (``lookups``).

Why a package of its own: these are about talking to the database, not about tenancy or any domain,
and every layer (services, engine, domain apps) uses them. Living here, below every app, any app
may import them without importing another app, and nothing here imports an app: they depend only
on Django. ``DbToolsConfig.ready`` registers the lookup at start-up (``dbtools`` is in
``INSTALLED_APPS``).
"""
