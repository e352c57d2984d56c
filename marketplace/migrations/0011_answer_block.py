"""M2: a seller who leaves a buyer's new message unanswered has all Kworks blocked (messaging's answer sweep)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0010_kwork_views_and_stars")]

    operations = [
        migrations.AddField(
            model_name="sellerprofile",
            name="answer_blocked",
            field=models.BooleanField(default=False, help_text="M2: a buyer's new message is unanswered."),
        ),
        migrations.AddField(
            model_name="sellerprofile",
            name="answer_blocked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="kwork",
            name="answer_blocked",
            field=models.BooleanField(default=False, help_text="M2: copy of the seller's answer block."),
        ),
    ]
