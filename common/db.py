"""Batch writes the ORM makes expensive, and hand-written reads for the hot paths where compiling an ORM query
costs more than the database's work."""

from typing import NamedTuple

from django.db import connection, models


class ScalarQuery(NamedTuple):
    """One scalar SQL query (`SELECT COUNT(*) FROM … WHERE user_id = %s`) and its parameters: run alone with
    `value()`, or several together as the columns of one statement (accounts/header.py)."""

    sql: str
    params: list

    def value(self):
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            return cursor.fetchone()[0] or 0


def select_columns(model, alias=""):
    """The model's concrete columns in field order, for a hand-written SELECT read back by `fetch_models`."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + field.column for field in model._meta.concrete_fields)


def fetch_models(model, sql, params):
    """Run a hand-written SELECT whose first columns are `select_columns(model)`; returns [(instance, *the other
    columns), …] in the query's order."""
    width = len(model._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(model.from_db(connection.alias, None, row[:width]), *row[width:]) for row in rows]


def update_from_values(model, fields, rows):
    """Set `fields` of many rows of `model` in ONE statement, `UPDATE … FROM (VALUES …)`, on PostgreSQL and
    SQLite alike. `rows` = [(pk, value_of_field_1, …), …]. Django's bulk_update builds a CASE per field and row
    in Python, which costs more than the database work for a batch of hundreds. Returns the rows written."""
    if not rows:
        return 0
    columns = [model._meta.get_field(name) for name in fields]
    integer = (models.IntegerField, models.BigIntegerField, models.AutoField, models.BigAutoField)

    def placeholder(field):
        target = field.target_field if field.is_relation else field
        # A column of NULLs in VALUES has no type on PostgreSQL: integers are cast, whatever the backend.
        return "CAST(%s AS BIGINT)" if isinstance(target, integer) else "%s"

    row_sql = "(CAST(%s AS BIGINT), " + ", ".join(placeholder(f) for f in columns) + ")"
    params = []
    for pk, *values in rows:
        params.append(pk)
        params += [f.get_db_prep_value(v, connection) for f, v in zip(columns, values, strict=True)]
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    assignments = ", ".join(
        f"{connection.ops.quote_name(f.column)} = v.column{i}" for i, f in enumerate(columns, start=2)
    )
    values_sql = ", ".join([row_sql] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM (VALUES {values_sql}) AS v "  # noqa: S608
            f"WHERE {table}.{pk_column} = v.column1",
            params,
        )
        return cursor.rowcount
