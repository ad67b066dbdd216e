"""New rows written with SQLAlchemy Core from ORM objects that never enter the session.

For a hot path only (placing an order): the unit of work's bookkeeping for a handful of new objects
costs more CPU than the database spends on the inserts, and it cannot put several tables in one
statement. Written here rather than taken from a library because it is the flush's own two rules,
applied by hand, and nothing else:

- ``values_of(obj)`` completes a new object as a flush would — the columns' Python-side defaults
  (``default=``) and, for a ``TenantScoped`` row, the current tenant (tenancy's wall 1: a row of
  another tenant raises ``CrossTenantWrite``) — writes those values back onto the object, so it
  reads exactly as it is stored, and returns the INSERT's values. PostgreSQL's row-level security
  (wall 2) checks the insert as it does every other.
- The caller builds and executes the INSERT (it knows which statement; see ``orders/checkout.py``).

Everything else keeps using the ORM.
"""

from __future__ import annotations

from sqlalchemy import inspect

from .tenancy import stamp_new_row


def values_of(obj) -> dict:
    """The INSERT values of the new ORM object ``obj`` (see the module docstring)."""
    stamp_new_row(obj)
    values = {}
    for attribute in inspect(type(obj)).column_attrs:
        column = attribute.columns[0]
        value = getattr(obj, attribute.key)
        if value is None and column.default is not None and column.default.is_callable:
            value = column.default.arg(None)
            setattr(obj, attribute.key, value)
        elif value is None and column.default is not None and column.default.is_scalar:
            value = column.default.arg
            setattr(obj, attribute.key, value)
        elif value is None and (column.default is not None or column.server_default is not None):
            continue  # a default computed by SQL: left to the INSERT (and loaded when read)
        elif attribute.key not in obj.__dict__:
            setattr(obj, attribute.key, value)  # never set: NULL, known rather than left to load
        values[column.key] = value
    return values
