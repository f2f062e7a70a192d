"""``field__any=[...]``: ``__in`` for a list of values, sent as one array on PostgreSQL.

``__in`` writes one placeholder per value (``IN (%s, %s, …)``): a page of 750 SKUs is a statement of
its own, compiled, parsed and sent value by value every time. ``__any`` writes ``= ANY(%s::type[])``
instead: one statement shape whatever the number of values, so the driver parses it once (and
prepares it on the server after a few runs), and the values travel as one array. Elsewhere (SQLite,
``make run``) it is ``__in``. Same meaning: ``None`` never matches, an empty list matches nothing.
On a foreign key, pass primary keys (``product_id__any=[…]``), not model instances.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In
from django.utils.datastructures import OrderedSet

_TEXT = frozenset({"CharField", "TextField", "SlugField", "EmailField", "URLField"})
_INTEGER = frozenset({"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                      "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
                      "PositiveSmallIntegerField"})


def _array_type(field, connection):
    """The element type of the array: text for strings (a ``varchar(n)`` cast would cut longer values,
    and the column's index compares as text anyway), bigint for integers, the column's type otherwise."""
    field = getattr(field, "target_field", None) or field  # a foreign key compares as what it points at
    internal = field.get_internal_type()
    if internal in _TEXT:
        return "text"
    if internal in _INTEGER:
        return "bigint"
    return field.db_type(connection)


@Field.register_lookup
@ForeignObject.register_lookup  # a foreign key's lookups stop at ForeignObject: registered there too
class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():  # a subquery: exactly ``__in``
            return super().as_sql(compiler, connection)
        values = OrderedSet(self.rhs)
        values.discard(None)
        if not values:
            raise EmptyResultSet
        field = self.lhs.output_field
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        array = [field.get_db_prep_value(value, connection, prepared=True) for value in values]
        return f"{lhs_sql} = ANY(%s::{_array_type(field, connection)}[])", (*lhs_params, array)
