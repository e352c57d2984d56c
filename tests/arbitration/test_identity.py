"""A12: identity checks, from the seller's upload to Support's decision and the document's deletion."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image

from accounts import identity, rules
from accounts.models import IdentityCheck, Notification, StaffAction, UserBadge
from tests.factories import UserFactory, in_group, verified

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png(name="passport.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name="passport.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def support():
    return in_group(verified(UserFactory(username="agent")), "Support")


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client


def submitted(user=None, upload=None):
    user = user or verified(UserFactory())
    return identity.identity_check_submit(user=user, document=upload or pdf())


def test_a12_verified_specialist_badge_exists_in_the_badge_data():
    from accounts.models import Badge

    assert Badge.objects.filter(code=rules.IDENTITY_BADGE_CODE, name="Verified specialist").exists()


def test_a12_seller_sends_a_pdf_from_settings_and_it_waits_in_private_storage(client, settings):
    seller = verified(UserFactory())
    client.force_login(seller)
    assert "/account/identity/" in client.get("/account/settings/").content.decode()
    response = client.post("/account/identity/", {"document": pdf()})
    assert response.status_code == 302
    check = IdentityCheck.objects.get(user=seller)
    assert check.status == "pending" and check.document_name == "passport.pdf"
    assert check.document.path.startswith(str(settings.PRIVATE_MEDIA_ROOT.resolve()))
    with pytest.raises(ValueError):
        check.document.url  # noqa: B018 - no public URL exists for a document
    assert "waiting for our staff" in client.get("/account/identity/").content.decode()


def test_a12_a_document_of_the_wrong_type_is_refused_with_its_message_and_nothing_changes(client):
    seller = verified(UserFactory())
    client.force_login(seller)
    fake = SimpleUploadedFile("passport.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    response = client.post("/account/identity/", {"document": fake})
    assert response.status_code == 400
    assert "is not really a .pdf file" in response.content.decode()
    text = SimpleUploadedFile("passport.txt", b"hello", content_type="text/plain")
    response = client.post("/account/identity/", {"document": text})
    assert "this type of file is not allowed" in response.content.decode()
    assert not IdentityCheck.objects.exists()


def test_a12_pdf_accepted_only_for_identity_documents():
    from django.core.exceptions import ValidationError

    from common.uploads import validate_attachment, validate_identity_document

    assert validate_identity_document(pdf())
    with pytest.raises(ValidationError):
        validate_attachment(pdf())


def test_a12_one_waiting_check_at_a_time():
    check = submitted()
    with pytest.raises(Exception, match="already waiting"):
        identity.identity_check_submit(user=check.user, document=png())
    assert IdentityCheck.objects.count() == 1


def test_a12_support_approves_the_badge_shows_logged_and_notified(support_client, support):
    check = submitted()
    response = support_client.post(f"/backoffice/identity/{check.pk}/", {"decision": "approve"})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == "approved" and check.decided_by == support
    assert UserBadge.objects.filter(user=check.user, badge__code=rules.IDENTITY_BADGE_CODE).exists()
    assert StaffAction.objects.filter(actor=support, action="identity.approved", target_id=str(check.pk)).exists()
    assert Notification.objects.filter(user=check.user, title="Your identity is verified").exists()
    assert check.delete_after == check.decided_at + timedelta(days=rules.IDENTITY_DOCUMENT_KEEP_DAYS)
    assert "Verified specialist" in support_client.get(check.user.get_absolute_url()).content.decode()


def test_a12_rejection_needs_a_reason_and_the_seller_reads_it(support_client, client):
    check = submitted()
    response = support_client.post(f"/backoffice/identity/{check.pk}/", {"decision": "reject"}, follow=True)
    assert "Write the reason for the rejection" in response.content.decode()
    check.refresh_from_db()
    assert check.status == "pending" and not StaffAction.objects.exists()
    support_client.post(
        f"/backoffice/identity/{check.pk}/", {"decision": "reject", "reason": "The photo is blurred."}
    )
    check.refresh_from_db()
    assert check.status == "rejected" and check.reason == "The photo is blurred."
    assert not UserBadge.objects.filter(user=check.user).exists()
    client.force_login(check.user)
    assert "The photo is blurred." in client.get("/account/identity/").content.decode()


def test_a12_a_decided_check_is_not_decided_again(support):
    check = submitted()
    identity.identity_check_decide(check=check, staff_user=support, approve=False, reason="Expired")
    with pytest.raises(Exception, match="already been decided"):
        identity.identity_check_decide(check=check, staff_user=support, approve=True)
    assert not UserBadge.objects.filter(user=check.user).exists()


def test_a12_support_reads_the_document_and_each_reading_is_logged(support_client, support):
    check = submitted()
    response = support_client.get(f"/backoffice/identity/{check.pk}/document/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    support_client.get(f"/backoffice/identity/{check.pk}/document/")
    assert StaffAction.objects.filter(actor=support, action="identity.document_view").count() == 2


@pytest.mark.parametrize("who", ["owner", "stranger", "moderator"])
def test_a12_nobody_but_support_reads_a_document_and_nothing_is_logged(client, who):
    check = submitted()
    person = {"owner": check.user, "stranger": verified(UserFactory())}.get(who)
    if person is None:
        person = in_group(verified(UserFactory()), "Moderators")
    client.force_login(person)
    response = client.get(f"/backoffice/identity/{check.pk}/document/")
    assert response.status_code == 403
    assert "The back office is for support staff only." in response.content.decode()
    assert not StaffAction.objects.exists()


def test_a12_the_document_is_deleted_after_the_named_days_on_both_sides_of_the_deadline(support):
    check = submitted()
    storage, name = check.document.storage, check.document.name
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        identity.identity_check_decide(check=check, staff_user=support, approve=True)
    deadline = start + timedelta(days=rules.IDENTITY_DOCUMENT_KEEP_DAYS)
    with time_machine.travel(deadline - timedelta(seconds=1), tick=False):
        assert identity.identity_documents_purge() == 0
        call_command("identity_purge_check", stdout=io.StringIO())
    assert storage.exists(name)
    with time_machine.travel(deadline + timedelta(seconds=1), tick=False):
        with pytest.raises(CommandError, match="1 identity document"):
            call_command("identity_purge_check", stdout=io.StringIO(), stderr=io.StringIO())
        assert identity.identity_documents_purge() == 1
        call_command("identity_purge_check", stdout=io.StringIO())
    assert not storage.exists(name)
    check.refresh_from_db()
    assert check.document == "" and check.document_deleted_at and check.status == "approved"


def test_a12_purge_is_a_scheduled_task():
    from config.celery import build_beat_schedule

    tasks = {entry["task"] for entry in build_beat_schedule().values()}
    assert "accounts.tasks.identity_documents_purge" in tasks


@pytest.mark.parametrize("n", [1, 50])
def test_a12_t6_identity_queue_query_count_is_constant(support_client, django_assert_max_num_queries, n):
    for _ in range(n):
        submitted()
    support_client.get("/backoffice/identity/")  # warm the session and group caches
    with django_assert_max_num_queries(8) as captured:
        response = support_client.get("/backoffice/identity/")
    assert response.status_code == 200
    assert response.content.decode().count("Approve</button>") == min(n, 25)
    assert len(captured) == QUERIES.setdefault("identity", len(captured))


QUERIES = {}
