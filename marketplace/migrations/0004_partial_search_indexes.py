"""C12 search at 100,000 Kworks: the GIN indexes cover only listed Kworks (active, not auto-paused, not hidden
for the weekend), so a search never intersects with a second index and the index stays small. PostgreSQL
only; nothing on SQLite."""

from django.db import migrations

LISTED = "status = 'active' AND NOT auto_paused AND NOT weekend_hidden"
FORWARD = [
    "DROP INDEX IF EXISTS kwork_search_vector_gin",
    "DROP INDEX IF EXISTS kwork_title_trgm",
    f"CREATE INDEX IF NOT EXISTS kwork_listed_search ON marketplace_kwork USING gin (search_vector) WHERE {LISTED}",
    "CREATE INDEX IF NOT EXISTS kwork_listed_title_trgm ON marketplace_kwork "
    f"USING gin (title gin_trgm_ops) WHERE {LISTED}",
]
BACKWARD = [
    "DROP INDEX IF EXISTS kwork_listed_search",
    "DROP INDEX IF EXISTS kwork_listed_title_trgm",
    "CREATE INDEX IF NOT EXISTS kwork_search_vector_gin ON marketplace_kwork USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS kwork_title_trgm ON marketplace_kwork USING gin (title gin_trgm_ops)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0003_moderation_queue")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
