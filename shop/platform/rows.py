"""Model rows written and read on hot paths with statements built once, not per call.

The ORM compiles a fresh statement for every ``save()``, ``bulk_create()`` and query:
for the rows an order placement writes and reads, that cost more CPU than PostgreSQL's
work on them (decision 0045). These functions run the same statements, built once per
model (and field list, or condition) and kept, and give back the instances the ORM
would: defaults, ``auto_now`` values and generated keys set on what is written, the
backend's converters applied to what is read, ``_state`` on ``using``.

Writes send no ``pre_save``/``post_save`` signals and skip ``Model.save()`` overrides,
so they are for models that rely on neither; everything else keeps the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.expressions import Col

_INSERT_BATCH = 100

# The statements, each built on first use: keyed by model, what varies (field names,
# condition) and the database vendor (quoting and RETURNING depend on it).
_insert_plans: dict[tuple[type[Model], str], _InsertPlan] = {}
_update_plans: dict[tuple[type[Model], tuple[str, ...], str], tuple[list[Field], str]] = {}
_update_where_plans: dict[
    tuple[type[Model], tuple[str, ...], str, str], tuple[list[Field], str]
] = {}
_select_plans: dict[tuple[type[Model], str, bool, str], str] = {}
_read_plans: dict[tuple[type[Model], str], tuple[list[str], list[tuple[int, Col, list]]]] = {}


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


def select[M: Model](
    model: type[M], where: dict[str, Any], *, using: str, for_update: bool = False
) -> list[M]:
    """``model.objects.filter(**where)``, where ``where`` holds exact matches and ``__in``.

    ``for_update`` locks the rows until the transaction ends, where the database can.
    """
    connection = connections[using]
    condition, params = _where(model, where, connection)
    key = (model, condition, for_update, connection.vendor)
    if (sql := _select_plans.get(key)) is None:
        lock = " FOR UPDATE" if for_update and connection.features.has_select_for_update else ""
        table = connection.ops.quote_name(model._meta.db_table)
        sql = _select_plans[key] = (
            f"SELECT {column_list(model, connection)} FROM {table} WHERE {condition}{lock}"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [from_row(model, row, using=using) for row in cursor.fetchall()]


def column_list(model: type[Model], connection: BaseDatabaseWrapper) -> str:
    """The model's columns, table-qualified, in the order ``from_row`` reads them."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    return ", ".join(f"{table}.{quote(column_name(f))}" for f in model._meta.concrete_fields)


def from_row[M: Model](model: type[M], values: Sequence[Any], *, using: str) -> M:
    """The instance of a row read as ``column_list`` lists it, converted as the ORM would."""
    connection = connections[using]
    key = (model, connection.vendor)
    if (plan := _read_plans.get(key)) is None:
        fields = model._meta.concrete_fields
        converters = []
        for index, field in enumerate(fields):
            column = Col(model._meta.db_table, field)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((index, column, found))
        plan = _read_plans[key] = ([field.attname for field in fields], converters)
    names, converters = plan
    if converters:
        values = list(values)
        for index, column, functions in converters:
            for convert in functions:
                values[index] = convert(values[index], column, connection)
    return model.from_db(using, names, values)


def update(model: type[Model], values: dict[str, Any], *, where: dict[str, Any], using: str) -> int:
    """``model.objects.filter(**where).update(**values)``: the number of rows updated.

    ``where`` holds exact matches and ``__in``; neither applies ``auto_now``, as the ORM's
    ``update()`` does not.
    """
    connection = connections[using]
    condition, where_params = _where(model, where, connection)
    key = (model, tuple(values), condition, connection.vendor)
    if (plan := _update_where_plans.get(key)) is None:
        opts, quote = model._meta, connection.ops.quote_name
        fields: list[Field] = [opts.get_field(name) for name in values]  # type: ignore[misc]
        assignments = ", ".join(f"{quote(column_name(field))} = %s" for field in fields)
        plan = _update_where_plans[key] = (
            fields,
            f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE {condition}",
        )
    fields, sql = plan
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, [*params, *where_params])
        return cursor.rowcount


def _where(
    model: type[Model], where: dict[str, Any], connection: BaseDatabaseWrapper
) -> tuple[str, list[Any]]:
    """The condition of exact matches and ``<name>__in`` lookups, and its parameters."""
    quote = connection.ops.quote_name
    parts: list[str] = []
    params: list[Any] = []
    for lookup, value in where.items():
        name, _, operator = lookup.partition("__")
        field = model._meta.get_field(name)
        column = quote(column_name(field))
        if operator == "in":
            values = list(value)
            if not values:  # as the ORM: nothing matches (and "IN ()" is not SQL)
                parts.append("1 = 0")
                continue
            parts.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
            params.extend(field.get_db_prep_value(v, connection) for v in values)  # type: ignore[union-attr]
        elif not operator:
            parts.append(f"{column} = %s")
            params.append(field.get_db_prep_value(value, connection))  # type: ignore[union-attr]
        else:
            raise ValueError(f"only exact matches and __in: {lookup}")
    return " AND ".join(parts), params


@dataclass(frozen=True)
class _InsertPlan:
    written: list[Field]  # the columns given a value, in order
    returning: list[Field]  # the columns the database generates (an auto-incremented key)
    head: str
    row: str
    tail: str

    def sql(self, rows: int) -> str:
        return f"{self.head} {', '.join([self.row] * rows)}{self.tail}"


def _insert_plan(model: type[Model], connection: BaseDatabaseWrapper) -> _InsertPlan:
    key = (model, connection.vendor)
    if (plan := _insert_plans.get(key)) is None:
        opts, quote = model._meta, connection.ops.quote_name
        returning = [field for field in opts.db_returning_fields if field.column]
        if not connection.features.can_return_columns_from_insert:
            raise NotImplementedError(f"{connection.vendor} cannot return inserted columns")
        written = [field for field in opts.local_concrete_fields if field not in returning]
        columns = ", ".join(quote(column_name(field)) for field in written)
        plan = _insert_plans[key] = _InsertPlan(
            written=written,
            returning=returning,
            head=f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES",
            row=f"({', '.join(['%s'] * len(written))})",
            tail=(
                f" RETURNING {', '.join(quote(column_name(field)) for field in returning)}"
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
        assignments = ", ".join(f"{quote(column_name(field))} = %s" for field in columns)
        pk_column = quote(column_name(opts.pk))
        sql = f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE {pk_column} = %s"
        plan = _update_plans[key] = (columns, sql)
    return plan


def column_name(field: Any) -> str:
    """The field's column (every concrete field has one)."""
    column = field.column
    assert column, f"{field} has no column"
    return column
