"""C12 search on PostgreSQL: pg_trgm, a GIN index on the stored tsvector and a trigram GIN index on titles.

Only on PostgreSQL; on SQLite (development, quick tests) the search falls back to icontains and this does
nothing."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS kwork_search_vector_gin ON marketplace_kwork USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS kwork_title_trgm ON marketplace_kwork USING gin (title gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS kwork_search_vector_gin",
    "DROP INDEX IF EXISTS kwork_title_trgm",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [
        TrigramExtension(),  # Django skips it on other databases
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
