"""C12 search on SQLite (the embedded default): the FTS5 table of Kworks' text (porter stemmer over unicode61,
rowid = Kwork id) and the FTS5 trigram table of the typo vocabulary, both filled from what exists. Nothing on
PostgreSQL, which has its tsvector and pg_trgm indexes (0002, 0004, 0006)."""

from django.db import migrations

FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS marketplace_kwork_fts "
    "USING fts5(title, volume, description, tokenize = 'porter unicode61')",
    "INSERT INTO marketplace_kwork_fts (rowid, title, volume, description) "
    "SELECT id, title, volume, description FROM marketplace_kwork",
    "CREATE VIRTUAL TABLE IF NOT EXISTS marketplace_searchterm_trigrams "
    "USING fts5(word, documents UNINDEXED, tokenize = 'trigram')",
    "INSERT INTO marketplace_searchterm_trigrams (rowid, word, documents) "
    "SELECT id, word, documents FROM marketplace_searchterm",
]
BACKWARD = [
    "DROP TABLE IF EXISTS marketplace_searchterm_trigrams",
    "DROP TABLE IF EXISTS marketplace_kwork_fts",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0013_staff_help_texts")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
