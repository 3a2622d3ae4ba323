"""Writing model rows on hot paths without building their SQL again for every row.

``Model.save()`` and ``QuerySet.bulk_create()`` compile a fresh statement each time:
for the handful of rows an order placement writes, the ORM's statement building cost
more CPU than PostgreSQL's work on them (decision 0045). These functions write the same
rows with a statement built once per model (or per model and field list) and kept, and
leave the instance as ``save()`` would: defaults and ``auto_now`` values applied, the
database-generated primary key set, ``_state`` saved on ``using``.

They send no ``pre_save``/``post_save`` signals and skip ``Model.save()`` overrides, so
they are for models that rely on neither; the rest of the code keeps the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

_INSERT_BATCH = 100


def insert(obj: Model, *, using: str) -> None:
    """``obj.save(using=using, force_insert=True)``, for a model without signals or overrides."""
    insert_all([obj], using=using)


def insert_all(objs: Sequence[Model], *, using: str) -> None:
    """Insert ``objs`` (all of one model) in one statement per hundred rows."""
    if not objs:
        return
    connection = connections[using]
    plan = _insert_plan(type(objs[0]), connection)
    for start in range(0, len(objs), _INSERT_BATCH):
        batch = objs[start : start + _INSERT_BATCH]
        params: list[Any] = []
        for obj in batch:
            params.extend(
                field.get_db_prep_save(field.pre_save(obj, True), connection)
                for field in plan.written
            )
        # As the ORM does: a failed INSERT inside atomic() marks the block for rollback.
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(plan.sql(len(batch)), params)
            if plan.returning:
                for obj, row in zip(batch, cursor.fetchall(), strict=True):
                    for field, value in zip(plan.returning, row, strict=True):
                        setattr(obj, field.attname, value)
        for obj in batch:
            obj._state.adding = False
            obj._state.db = using


def update_fields(obj: Model, fields: Sequence[str], *, using: str) -> int:
    """``obj.save(using=using, update_fields=fields)``; returns the number of rows updated."""
    connection = connections[using]
    columns, sql = _update_plan(type(obj), tuple(fields), connection)
    params = [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in columns]
    params.append(obj._meta.pk.get_db_prep_value(obj.pk, connection))
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@dataclass(frozen=True)
class _InsertPlan:
    written: list[Field]  # the columns given a value, in order
    returning: list[Field]  # the columns the database generates (an auto-incremented key)
    head: str
    row: str
    tail: str

    def sql(self, rows: int) -> str:
        return f"{self.head} {', '.join([self.row] * rows)}{self.tail}"


# Keyed by model and database vendor (the quoting and RETURNING support depend on it).
_insert_plans: dict[tuple[type[Model], str], _InsertPlan] = {}
_update_plans: dict[tuple[type[Model], tuple[str, ...], str], tuple[list[Field], str]] = {}


def _insert_plan(model: type[Model], connection: BaseDatabaseWrapper) -> _InsertPlan:
    key = (model, connection.vendor)
    if (plan := _insert_plans.get(key)) is None:
        opts, quote = model._meta, connection.ops.quote_name
        returning = [field for field in opts.db_returning_fields if field.column]
        if not connection.features.can_return_columns_from_insert:
            raise NotImplementedError(f"{connection.vendor} cannot return inserted columns")
        written = [field for field in opts.local_concrete_fields if field not in returning]
        columns = ", ".join(quote(_column(field)) for field in written)
        plan = _insert_plans[key] = _InsertPlan(
            written=written,
            returning=returning,
            head=f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES",
            row=f"({', '.join(['%s'] * len(written))})",
            tail=(
                f" RETURNING {', '.join(quote(_column(field)) for field in returning)}"
                if returning
                else ""
            ),
        )
    return plan


def _update_plan(
    model: type[Model], names: tuple[str, ...], connection: BaseDatabaseWrapper
) -> tuple[list[Field], str]:
    key = (model, names, connection.vendor)
    if (plan := _update_plans.get(key)) is None:
        opts, quote = model._meta, connection.ops.quote_name
        columns: list[Field] = [opts.get_field(name) for name in names]  # type: ignore[misc]
        assignments = ", ".join(f"{quote(_column(field))} = %s" for field in columns)
        pk_column = quote(_column(opts.pk))
        sql = f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE {pk_column} = %s"
        plan = _update_plans[key] = (columns, sql)
    return plan


def _column(field: Any) -> str:
    column = field.column
    assert column, f"{field} has no column"
    return column
