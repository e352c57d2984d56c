# The "Active" tab of the orders lists (issue 14): a person's open orders in placed order, read from a small index.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0010_staff_help_texts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "in_progress", "delivered", "in_arbitration"])),
                fields=["buyer", "-placed_at", "-id"],
                name="order_buyer_active_placed",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "in_progress", "delivered", "in_arbitration"])),
                fields=["seller", "-placed_at", "-id"],
                name="order_seller_active_placed",
            ),
        ),
    ]
