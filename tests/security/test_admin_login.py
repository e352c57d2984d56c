"""T4 and MFA in front of the Django admin: /admin/login/ goes through allauth's login (lock-out, second step),
and the admin cannot edit an e-mail or login around A5/A6."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings

from tests.factories import PASSWORD, UserFactory, in_group, verified

ADMIN = "/admin/"


def admin_login(client, login, password):
    """Log in the way a person at /admin/ does: open the admin's login page and submit the form it leads to."""
    page = client.get(f"{ADMIN}login/?next={ADMIN}")
    form_url = page.url if page.status_code == 302 else f"{ADMIN}login/?next={ADMIN}"
    return client.post(form_url, {"login": login, "username": login, "password": password, "next": ADMIN})


def in_admin(client):
    return client.get(ADMIN).status_code == 200


@pytest.fixture
def moderator(db):
    return in_group(verified(UserFactory(is_staff=True)), "Moderators")


@pytest.mark.django_db
def test_t4_admin_login_is_allauths_login(client):
    response = client.get(f"{ADMIN}login/?next={ADMIN}")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
def test_t4_admin_login_locks_out_after_repeated_failures(client, moderator):
    failures = int(settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")[-1].split("/")[0])
    for _ in range(failures):
        admin_login(client, moderator.username, "wrong-password")
        assert not in_admin(client)
    # The right password is refused while the account is locked out.
    response = admin_login(client, moderator.username, PASSWORD)
    assert not in_admin(client)
    assert response.status_code in (200, 429)


@pytest.mark.django_db
def test_t4_admin_login_with_the_right_password_works(client, moderator):
    admin_login(client, moderator.username, PASSWORD)
    assert in_admin(client)


@pytest.mark.django_db
def test_mfa_superuser_must_pass_the_second_step_to_enter_the_admin(client):
    admin = verified(UserFactory(is_staff=True, is_superuser=True))
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)

    response = admin_login(client, admin.username, PASSWORD)
    assert not in_admin(client), "the password alone must not open the admin"
    assert response.status_code == 302 and "/2fa/" in response.url

    import time

    from allauth.mfa import app_settings as mfa_settings

    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    response = client.post(response.url, {"code": code})
    assert response.status_code == 302
    assert in_admin(client)


@pytest.mark.django_db
def test_a5_a6_admin_cannot_edit_email_or_login(client):
    admin = verified(UserFactory(is_staff=True, is_superuser=True))
    person = verified(UserFactory())
    client.force_login(admin)
    url = f"{ADMIN}accounts/user/{person.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="email"' not in html and 'name="username"' not in html
    # Read-only fields are not in the form, so a forged POST cannot change them either.
    form_fields = page.context["adminform"].form.fields
    assert "email" not in form_fields and "username" not in form_fields
    # Creating a staff user in the admin still asks for a login.
    assert client.get(f"{ADMIN}accounts/user/add/").context["adminform"].form.fields.get("username") is not None


@pytest.mark.django_db
def test_a5_admin_cannot_edit_or_add_email_addresses_around_the_services(client):
    from allauth.account.models import EmailAddress

    admin = verified(UserFactory(is_staff=True, is_superuser=True))
    person = verified(UserFactory())
    address = EmailAddress.objects.get(user=person)
    client.force_login(admin)
    page = client.get(f"{ADMIN}account/emailaddress/{address.pk}/change/")
    assert page.status_code == 200
    assert "email" not in page.context["adminform"].form.fields
    assert client.get(f"{ADMIN}account/emailaddress/add/").status_code == 403
    client.post(f"{ADMIN}account/emailaddress/{address.pk}/change/", {"email": "x@evil.example", "user": admin.pk})
    address.refresh_from_db()
    assert address.email == person.email and address.user_id == person.pk
