"""T6: the staff groups; A10: the site's badges. Permissions of the groups are synced after each migrate
(accounts.roles), because permissions of later apps do not exist yet when this runs."""

from django.db import migrations

GROUPS = ["Moderators", "Support"]
BADGES = [
    ("verified-specialist", "Verified specialist", "Identity confirmed by our staff.", "✔", False),
    ("super-buyer", "Super buyer", "12 or more purchases in the last three months.", "★", True),
    ("bug-finder", "Bug finder", "Reported a real bug in the site.", "⚑", False),
    ("contest-winner", "Contest winner", "Won a contest held by the site.", "✪", False),
    ("top-rated-seller", "Top rated seller", "Among the highest-rated sellers of the site.", "♛", True),
    ("early-member", "Early member", "Joined the site in its first year.", "✦", False),
]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Badge = apps.get_model("accounts", "Badge")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)
    for code, name, description, icon, automatic in BADGES:
        Badge.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "icon": icon, "automatic": automatic}
        )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()
    apps.get_model("accounts", "Badge").objects.filter(code__in=[b[0] for b in BADGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(forwards, backwards)]
