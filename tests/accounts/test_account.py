"""Account life: e-mail and login changes with their lock, deletion, mode, profile, badges and
notifications (A5–A11)."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts import selectors, services
from accounts.models import AccountChange, Badge, DeletionRequest, Notification, User, UserBadge
from common.errors import DomainError
from tests.factories import UserFactory


def png_bytes(size=(64, 64), color=(15, 118, 110)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def gif_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "GIF")
    return buffer.getvalue()


# --- A5: e-mail change ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a5_email_change_notifies_old_address_confirms_new_and_locks_withdrawals(user_client, user):
    old = user.email
    user_client.post("/accounts/email/", {"email": "fresh@example.com", "action_add": ""})
    # The new address gets a confirmation link; until then the old one stays.
    assert mail.outbox[-1].to == ["fresh@example.com"]
    user.refresh_from_db()
    assert user.email == old
    assert selectors.withdrawal_locked_until(user) is None

    link = re.search(r"/accounts/confirm-email/[^\s/]+/", mail.outbox[-1].body).group(0)
    mail.outbox.clear()
    user_client.post(link)
    user.refresh_from_db()
    assert user.email == "fresh@example.com"
    assert not EmailAddress.objects.filter(user=user, email=old).exists()
    # The old address is told about the change.
    assert any(message.to == [old] for message in mail.outbox)
    change = AccountChange.objects.get(user=user, kind=AccountChange.Kind.EMAIL)
    assert (change.old_value, change.new_value) == (old, "fresh@example.com")
    assert selectors.withdrawal_locked_until(user) == change.created_at + timedelta(days=7)


@pytest.mark.django_db
def test_a5_lock_lasts_exactly_one_week(user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.account_change_record(user=user, kind=AccountChange.Kind.EMAIL, old_value="a", new_value="b")
    with time_machine.travel(start + timedelta(days=7) - timedelta(seconds=1), tick=False):
        assert selectors.withdrawal_locked_until(user) is not None
    with time_machine.travel(start + timedelta(days=7, seconds=1), tick=False):
        assert selectors.withdrawal_locked_until(user) is None


@pytest.mark.django_db
def test_a5_email_change_to_another_accounts_address_is_refused(user_client, user, other_user):
    """A2 holds during a change too. As at sign-up, the page does not reveal that the address is in use."""
    user_client.post("/accounts/email/", {"email": other_user.email.upper(), "action_add": ""})
    for message in mail.outbox:  # even a confirmation link, if one went out, cannot take the address over
        for link in re.findall(r"/accounts/confirm-email/[^\s/]+/", message.body):
            user_client.post(link)
    assert not EmailAddress.objects.filter(user=user, email=other_user.email, verified=True).exists()
    user.refresh_from_db()
    assert user.email != other_user.email
    assert not AccountChange.objects.exists()


# --- A6: login change ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a6_login_can_be_changed_once_and_locks_withdrawals(user_client, user):
    response = user_client.post("/account/login/", {"username": "brand_new_name", "confirm": "on"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.username == "brand_new_name"
    assert user.username_changed_at is not None
    assert selectors.withdrawal_locked_until(user) is not None
    assert AccountChange.objects.filter(user=user, kind=AccountChange.Kind.USERNAME).count() == 1

    response = user_client.post("/account/login/", {"username": "third_name", "confirm": "on"})
    user.refresh_from_db()
    assert user.username == "brand_new_name"
    assert "cannot be changed again" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("login", "message"),
    [
        ("support", "This login is reserved for the site and its staff."),
        ("89161234567", "A login cannot look like a phone number"),
        ("with space", "A login may contain only Latin letters"),
    ],
)
def test_a6_login_change_applies_a3_rules_and_changes_nothing(user_client, user, login, message):
    old = user.username
    response = user_client.post("/account/login/", {"username": login, "confirm": "on"})
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.username == old and user.username_changed_at is None
    assert not AccountChange.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a6_login_change_to_taken_login_any_case_is_refused(user_client, user, other_user):
    response = user_client.post("/account/login/", {"username": other_user.username.upper(), "confirm": "on"})
    assert "This login is already taken." in response.content.decode()
    user.refresh_from_db()
    assert user.username_changed_at is None


# --- A7: deletion --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a7_deletion_request_needs_a_reason(user_client, user):
    response = user_client.post("/account/delete/", {"reason": "bye"})
    assert "Please tell us the reason" in response.content.decode()
    assert not DeletionRequest.objects.exists()
    user_client.post("/account/delete/", {"reason": "I no longer sell online, thank you."})
    assert DeletionRequest.objects.get(user=user).status == DeletionRequest.Status.PENDING
    response = user_client.post("/account/delete/", {"reason": "Asking again because I am impatient."})
    assert "already asked" in response.content.decode()
    assert DeletionRequest.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_a7_admin_action_anonymises_the_person_and_keeps_records(admin_client, user):
    services.notification_send(user=user, kind="info", title="Hello")
    req = services.deletion_request_create(user=user, reason="Moving to another country for good.")
    response = admin_client.post(
        "/admin/accounts/deletionrequest/",
        {"action": "carry_out", "_selected_action": [req.pk]},
        follow=True,
    )
    assert "1 account(s) anonymised." in response.content.decode()
    person = User.objects.get(pk=user.pk)  # the row stays for orders, messages and the ledger
    assert person.username == f"deleted-{user.pk}"
    assert person.email == "" and person.display_name == "Deleted user" and person.about == ""
    assert not person.is_active and not person.has_usable_password()
    assert person.anonymised_at is not None
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not Notification.objects.filter(user=person).exists()
    req.refresh_from_db()
    assert req.status == DeletionRequest.Status.DONE


@pytest.mark.django_db
def test_a7_anonymised_person_cannot_log_in_and_has_no_public_page(client, user):
    req = services.deletion_request_create(user=user, reason="Please remove everything about me.")
    staff = UserFactory(is_staff=True)
    services.account_anonymise(deletion_request=req, staff_user=staff)
    assert client.get(f"/u/{user.username}/").status_code == 404
    assert client.get(f"/u/deleted-{user.pk}/").status_code == 404
    client.post("/accounts/login/", {"login": user.email, "password": "correct-horse-battery"})
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a7_request_is_carried_out_only_once(user):
    req = services.deletion_request_create(user=user, reason="Remove me from the site please.")
    staff = UserFactory(is_staff=True)
    services.account_anonymise(deletion_request=req, staff_user=staff)
    with pytest.raises(DomainError, match="already account deleted"):
        services.account_anonymise(deletion_request=req, staff_user=staff)


# --- A8: mode switch -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a8_mode_switch_changes_menus_and_dashboard(user_client, user):
    page = user_client.get("/dashboard/").content.decode()
    assert 'data-testid="buyer-dashboard"' in page
    assert 'class="nav-link">Favourites</a>' in page and 'class="nav-link">My Kworks</a>' not in page
    user_client.post("/account/mode/", {"mode": "seller"})
    user.refresh_from_db()
    assert user.mode == User.Mode.SELLER
    page = user_client.get("/dashboard/").content.decode()
    assert 'data-testid="seller-dashboard"' in page
    assert 'data-testid="buyer-dashboard"' not in page
    assert 'class="nav-link">My Kworks</a>' in page and 'class="nav-link">Favourites</a>' not in page


@pytest.mark.django_db
def test_a8_unknown_mode_is_refused(user_client, user):
    response = user_client.post("/account/mode/", {"mode": "admin"}, follow=True)
    assert "Unknown mode." in response.content.decode()
    user.refresh_from_db()
    assert user.mode == User.Mode.BUYER


# --- A9: profile ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a9_profile_with_avatar_shows_on_public_page(user_client, user, client):
    avatar = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = user_client.post(
        "/account/settings/",
        {
            "display_name": "Kate Designer",
            "city": "Brno",
            "about": "I draw logos.",
            "skills": "logo, icons",
            "avatar": avatar,
            "email_notifications": "on",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.avatar.name.startswith("avatars/")
    page = client.get(f"/u/{user.username}/").content.decode()
    assert "Kate Designer" in page and "Brno" in page and "I draw logos." in page and user.avatar.url in page
    assert "icons" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("virus.png", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/png"),
            "Upload a valid image.",
        ),
        (
            SimpleUploadedFile("photo.png", gif_bytes(), content_type="image/png"),
            "is not really a .png file: its content does not match its name.",
        ),
        (
            SimpleUploadedFile("big.png", png_bytes() + b"\x00" * (4 * 1024 * 1024), content_type="image/png"),
            "files can be at most 4 MB",
        ),
        (SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain"), "Upload a valid image."),
    ],
)
def test_a9_bad_avatar_is_refused_with_message_and_nothing_changes(user_client, user, upload, message):
    response = user_client.post(
        "/account/settings/", {"display_name": "Changed", "avatar": upload, "email_notifications": "on"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert not user.avatar
    assert user.display_name != "Changed"


@pytest.mark.django_db
def test_a9_profile_update_takes_plain_values_keeps_the_avatar_without_a_new_one_and_drops_a_replaced_one(
    user, django_capture_on_commit_callbacks
):
    values = {
        "display_name": "Kate",
        "city": "Brno",
        "about": "Logos.",
        "skills": "logo",
        "email_notifications": False,
    }
    first = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    services.profile_update(user=user, **values, avatar=first)
    user.refresh_from_db()
    first_name = user.avatar.name
    assert (user.display_name, user.city, user.email_notifications) == ("Kate", "Brno", False)
    services.profile_update(user=user, **{**values, "city": "Praha"})  # no new avatar: the current one stays
    user.refresh_from_db()
    assert user.city == "Praha" and user.avatar.name == first_name
    second = SimpleUploadedFile("b.png", png_bytes(color=(1, 2, 3)), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        services.profile_update(user=user, **values, avatar=second)
    user.refresh_from_db()
    assert user.avatar.name != first_name
    assert not user.avatar.storage.exists(first_name)


@pytest.mark.django_db
def test_a9_public_profile_by_login_any_case(client, user):
    assert client.get(f"/u/{user.username.upper()}/").status_code == 200
    assert client.get("/u/nobody-here/").status_code == 404


# --- A10: badges ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a10_staff_grant_badge_in_admin_and_it_shows_on_profile(admin_client, admin_user, client, user):
    badge = Badge.objects.get(code="bug-finder")
    response = admin_client.post(
        "/admin/accounts/userbadge/add/", {"user": user.pk, "badge": badge.pk, "note": "Found the cart bug"}
    )
    assert response.status_code == 302
    granted = UserBadge.objects.get(user=user, badge=badge)
    assert granted.granted_by == admin_user
    assert "Bug finder" in client.get(f"/u/{user.username}/").content.decode()
    assert Notification.objects.filter(user=user, kind="badge").exists()


@pytest.mark.django_db
def test_a10_granting_twice_changes_nothing_and_automatic_badges_exist(user):
    services.badge_grant(user=user, code="super-buyer")
    services.badge_grant(user=user, code="super-buyer")
    assert UserBadge.objects.filter(user=user).count() == 1
    assert Notification.objects.filter(user=user, kind="badge").count() == 1
    assert set(Badge.objects.filter(automatic=True).values_list("code", flat=True)) >= {"super-buyer"}
    assert Badge.objects.filter(code="verified-specialist", automatic=False).exists()
    services.badge_revoke(user=user, code="super-buyer")
    assert not UserBadge.objects.filter(user=user).exists()


# --- A11: notifications --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a11_important_events_are_emailed_others_only_in_site(user):
    mail.outbox.clear()
    services.notification_send(user=user, kind="new_order", title="New order #12", url="/orders/12/")
    services.notification_send(user=user, kind="badge", title="A badge")
    assert Notification.objects.filter(user=user).count() == 2
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.endswith("New order #12")
    assert "/orders/12/" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_a11_email_respects_the_users_choice(user):
    user.email_notifications = False
    user.save()
    mail.outbox.clear()
    services.notification_send(user=user, kind="new_message", title="New message")
    assert len(mail.outbox) == 0
    assert Notification.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_a11_unread_count_in_header_and_marking_read(user_client, user):
    for i in range(3):
        services.notification_send(user=user, kind="info", title=f"Note {i}")
    page = user_client.get("/dashboard/").content.decode()
    assert 'data-testid="unread-count">3<' in page
    first = Notification.objects.filter(user=user).last()
    user_client.post(f"/notifications/{first.pk}/open/")
    assert selectors.unread_count(user) == 2
    user_client.post("/notifications/read-all/")
    assert selectors.unread_count(user) == 0
    assert 'data-testid="unread-count"' not in user_client.get("/dashboard/").content.decode()


@pytest.mark.django_db
def test_a11_someone_elses_notification_cannot_be_opened(user_client, user, other_user):
    theirs = services.notification_send(user=other_user, kind="info", title="Private")
    user_client.post(f"/notifications/{theirs.pk}/open/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_a11_notifications_page_has_constant_queries(user_client, user, django_assert_num_queries):
    services.notification_send(user=user, kind="info", title="one")
    user_client.get("/notifications/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        user_client.get("/notifications/")
    for i in range(49):
        services.notification_send(user=user, kind="info", title=f"more {i}")
    with CaptureQueriesContext(connection) as fifty:
        user_client.get("/notifications/")
    assert len(one) == len(fifty)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("about", "Write me at kate@mail.com for a discount"),
        ("about", "Call +7 916 123-45-67 any time"),
        ("skills", "logo, telegram: @kate_logos"),
        ("city", "www.kate-logos.com"),
    ],
)
def test_a9_m3_contact_details_are_refused_in_the_profile(user_client, user, field, text):
    data = {"display_name": "Kate", "city": "", "about": "", "skills": "", "email_notifications": "on"}
    data[field] = text
    response = user_client.post("/account/settings/", data)
    assert response.status_code == 200
    assert "are not allowed in your profile" in response.content.decode()
    user.refresh_from_db()
    assert user.display_name != "Kate"


@pytest.mark.django_db(transaction=True)
def test_a11_batch_notifications_insert_once_and_email_the_important_ones(user, other_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mail.outbox.clear()
    items = [
        {"user": user, "kind": "order_status", "title": "Order #1 was cancelled", "url": "/orders/1/"},
        {"user": other_user, "kind": "badge", "title": "A badge"},
    ]
    with transaction.atomic(), CaptureQueriesContext(connection) as two:
        rows = services.notifications_send_many(notifications=items)
    assert [n.title for n in rows] == ["Order #1 was cancelled", "A badge"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    with transaction.atomic(), CaptureQueriesContext(connection) as forty:
        services.notifications_send_many(notifications=items * 20)
    assert len(forty) == len(two)  # one INSERT whatever the size of the batch
    assert Notification.objects.count() == 42
