"""Batch writes the ORM makes expensive."""

from django.db import connection, models


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
