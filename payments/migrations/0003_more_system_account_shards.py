"""64 rows per system account instead of 16 (rules.SYSTEM_ACCOUNT_SHARDS): the new rows start empty; existing
rows keep their balances and entries."""

from django.db import migrations

# rules.SYSTEM_ACCOUNT_SHARDS when this was written (a migration must not change with the code); the ledger
# creates any shard that is missing when it first posts to it.
SHARDS = 64
SYSTEM_KINDS = ["escrow", "platform", "stripe_clearing", "payouts", "promo"]


def create_shards(apps, schema_editor):
    LedgerAccount = apps.get_model("payments", "LedgerAccount")
    LedgerAccount.objects.bulk_create(
        [LedgerAccount(owner=None, kind=kind, shard=shard) for kind in SYSTEM_KINDS for shard in range(SHARDS)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_system_account_shards")]

    # Backwards leaves the rows: empty shards hold nothing, and ones that were used must keep their entries.
    operations = [migrations.RunPython(create_shards, migrations.RunPython.noop)]
