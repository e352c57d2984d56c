# The order page's keyset reads (issue 14): a person's orders newest first, an order's messages by id.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_kwork_snapshot"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["buyer", "-placed_at", "-id"], name="order_buyer_placed"),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["seller", "-placed_at", "-id"], name="order_seller_placed"),
        ),
        migrations.AddIndex(
            model_name="ordermessage",
            index=models.Index(fields=["order", "id"], name="ordermessage_order_id"),
        ),
    ]
