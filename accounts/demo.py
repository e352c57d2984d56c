"""Demo people (README lists them). Everyone's password is DEMO_PASSWORD."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from . import roles
from .models import User

DEMO_PASSWORD = "demo-pass-2026"

DEMO_USERS = [
    # login, e-mail, display name, mode, groups, is_staff, is_superuser, city, about
    (
        "bella",
        "buyer@gigly.test",
        "Bella Brown",
        "buyer",
        [],
        False,
        False,
        "Lisbon",
        "I run a small online tea shop and order design and texts here.",
    ),
    (
        "sergio",
        "seller@gigly.test",
        "Sergio Santos",
        "seller",
        [],
        False,
        False,
        "Porto",
        "Web developer and designer: landing pages, WordPress sites and logos. Ten years of experience.",
    ),
    (
        "nina",
        "seller2@gigly.test",
        "Nina Novak",
        "seller",
        [],
        False,
        False,
        "Prague",
        "Translator and copywriter: English, Czech, German. SEO texts that read well.",
    ),
    ("maria", "moderator@gigly.test", "Maria (moderation)", "buyer", [roles.MODERATORS], True, False, "", ""),
    ("sam", "support@gigly.test", "Sam (support)", "buyer", [roles.SUPPORT], False, False, "", ""),
    ("ada", "admin@gigly.test", "Ada (administrator)", "buyer", [], True, True, "", ""),
]


def seed(log):
    roles.sync_role_permissions()
    now = timezone.now()
    for login, email, name, mode, groups, is_staff, is_superuser, city, about in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=login,
            defaults={
                "email": email,
                "display_name": name,
                "mode": mode,
                "is_staff": is_staff,
                "is_superuser": is_superuser,
                "city": city,
                "about": about,
                "adult_confirmed_at": now,
                "terms_accepted_at": now,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        user.groups.set(Group.objects.filter(name__in=groups))
        log(f"  user {login:<8} {email:<24} {'created' if created else 'exists'}")
