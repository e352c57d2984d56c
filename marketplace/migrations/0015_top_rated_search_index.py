"""C12 relevance at 100,000 Kworks: Top Rated Kworks come first in a search, and a broad search ranks only a
bounded set of its matches (marketplace/search_backends.py, PostgresBackend.relevance_sql). All its Top Rated
matches must be found without reading every match, so they get their own partial GIN index (a few percent of
the listed Kworks). PostgreSQL only; nothing on SQLite."""

from django.db import migrations

LISTED_TOP_RATED = "status = 'active' AND NOT auto_paused AND NOT weekend_hidden AND top_rated"
FORWARD = [
    "CREATE INDEX IF NOT EXISTS kwork_listed_top_rated_search ON marketplace_kwork "
    f"USING gin (search_vector) WHERE {LISTED_TOP_RATED}",
]
BACKWARD = ["DROP INDEX IF EXISTS kwork_listed_top_rated_search"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0014_sqlite_full_text_search")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
