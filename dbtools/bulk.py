"""Set-based inserts for the sync's hot paths: many rows of one model in one statement.

Django's ``bulk_create`` compiles, prepares and quotes every value of every row (about 0.08 ms a
row); on PostgreSQL ``rows_insert`` streams the rows with ``COPY`` (formatted by the driver in C),
or, when conflicting rows are to be left out, sends one array a column (``INSERT ... SELECT FROM
unnest(...) ON CONFLICT DO NOTHING``). Elsewhere (SQLite, ``make run``) it falls back to
``bulk_create``. The rows are not validated: callers pass values they have checked.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from django.utils import timezone


def _insert_fields(model):
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _array_item(field, value):
    if value is not None and isinstance(field, models.JSONField):
        return json.dumps(value, cls=field.encoder or DjangoJSONEncoder)
    return value


def rows_insert(model, *, columns, rows, common=None, pks=False, ignore_conflicts=False):
    """Insert ``rows`` (tuples of values for the fields ``columns``, by attname: ``product_id``) of
    ``model``; ``common``: values shared by every row (by attname). Fields in neither get their
    default (``auto_now``/``auto_now_add``: now). Returns the new primary keys in row order when
    ``pks`` (PostgreSQL: taken from the table's sequence first, so the order is certain).
    ``ignore_conflicts``: rows that would break a unique constraint are left out (not with ``pks``)."""
    if pks and ignore_conflicts:
        raise ValueError("rows_insert cannot return primary keys when it ignores conflicts.")
    common = dict(common or {})
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        objs = model._base_manager.bulk_create([model(**common, **dict(zip(columns, row, strict=True)))
                                                for row in rows], ignore_conflicts=ignore_conflicts)
        return [obj.pk for obj in objs] if pks else None
    quote = connection.ops.quote_name
    meta = model._meta
    by_attname = {f.attname: f for f in _insert_fields(model)}
    unknown = (set(columns) | set(common)) - set(by_attname)
    if unknown:
        raise ValueError(f"{meta.label} has no fields {', '.join(sorted(unknown))}.")
    now = timezone.now()
    value_fields = [by_attname[name] for name in columns]
    json_at = [index for index, field in enumerate(value_fields) if _is_json(field)]
    if json_at:  # JSON travels as text, cast by the column
        rows = [tuple(_array_item(value_fields[i], v) if i in json_at else v for i, v in enumerate(row))
                for row in rows]
    if pks:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, len(rows)])
            ids = [row[0] for row in cursor.fetchall()]
        array_fields = [meta.pk, *value_fields]
        rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
    else:
        ids, array_fields = None, value_fields
    shared = []
    for attname, field in by_attname.items():
        if attname in columns:
            continue
        if attname in common:
            value = common[attname]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        shared.append((field, field.get_db_prep_save(value, connection=connection)))
    names = [quote(f.column) for f in array_fields] + [quote(f.column) for f, _ in shared]
    if not ignore_conflicts:  # COPY: the rows stream through the driver's C formatter, no SQL to build
        tail = tuple(value for _, value in shared)
        with connection.cursor() as cursor, connection.wrap_database_errors, \
                cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({', '.join(names)}) FROM STDIN") as copy:  # noqa: S608
            for row in rows:
                copy.write_row(tuple(row) + tail)
        return ids
    arrays = [list(column) for column in zip(*rows, strict=True)]
    aliases = [f"c{n}" for n in range(len(array_fields))]
    select_list = [f"v.{alias}" + ("::jsonb" if _is_json(field) else "")
                   for alias, field in zip(aliases, array_fields, strict=True)]
    select_list += [f"%s::{field.db_type(connection)}" for field, _ in shared]
    unnest = ", ".join(f"%s::{_array_type(field, connection)}[]" for field in array_fields)
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(names)}) "  # noqa: S608 - names quoted, values bound
           f"SELECT {', '.join(select_list)} FROM unnest({unnest}) AS v({', '.join(aliases)}) ON CONFLICT DO NOTHING")
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for _, value in shared] + arrays)
    return ids


def _is_json(field):
    return isinstance(field, models.JSONField)


def _array_type(field, connection):
    """The element type of the array a column's values travel in (JSON as text, cast per row)."""
    if _is_json(field):
        return "text"
    if field.primary_key:
        return field.rel_db_type(connection)  # "bigint", not the column's identity definition
    return field.db_type(connection)
