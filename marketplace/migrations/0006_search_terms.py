"""C12 typo tolerance: the vocabulary of listed Kworks with a trigram index (the index on PostgreSQL only)."""

from django.db import migrations, models


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS searchterm_word_trgm ON marketplace_searchterm USING gin (word gin_trgm_ops)"
        )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS searchterm_word_trgm")


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0005_listing_indexes")]

    operations = [
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=100, unique=True)),
                ("documents", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(trigram_index, drop_trigram_index, elidable=False),
    ]
