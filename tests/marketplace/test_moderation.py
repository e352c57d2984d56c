"""C7 moderation in the admin: the queue, approve, reject with a reason; edits of an approved Kwork wait."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.models import Notification
from accounts.roles import MODERATORS, sync_role_permissions
from common.errors import DomainError
from marketplace import services
from marketplace.models import Kwork, KworkOption
from tests.factories import UserFactory, in_group, verified
from tests.marketplace.factories import png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    sync_role_permissions()
    user = in_group(verified(UserFactory(username="mod", is_staff=True)), MODERATORS)
    return user


def _waiting(seller, kwork_data, **overrides):
    kwork = services.kwork_create(seller=seller, data=kwork_data(**overrides))
    services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload())
    return services.kwork_submit(seller=seller, kwork=kwork)


def test_c7_queue_is_ordered_by_waiting_time(client, moderator, seller, kwork_data):
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=UTC), tick=False):
        late = _waiting(seller, kwork_data, title="I will write the second waiting Kwork")
    with time_machine.travel(datetime(2026, 11, 1, 10, tzinfo=UTC), tick=False):
        early = _waiting(seller, kwork_data, title="I will write the first waiting Kwork")
    client.force_login(moderator)
    response = client.get(reverse("admin:marketplace_moderationqueue_changelist"))
    assert response.status_code == 200
    text = response.text
    assert text.index(early.title) < text.index(late.title)


def test_c7_moderator_approves_from_the_admin(
    client, moderator, seller, kwork_data, django_capture_on_commit_callbacks
):
    kwork = _waiting(seller, kwork_data)
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:marketplace_moderationqueue_changelist"),
            {
                "action": "approve",
                ACTION_CHECKBOX_NAME: [kwork.pk],
                f"seen_version_{kwork.pk}": kwork.moderation_version,
            },
            follow=True,
        )
    assert "Approved 1 Kwork." in response.text
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.ACTIVE and kwork.is_listed
    assert kwork.review_requested_at is None and kwork.moderated_by == moderator
    note = Notification.objects.get(user=seller)
    assert note.title == f"Your Kwork “{kwork.title}” is approved"


def test_c7_admin_approval_without_the_seen_version_is_refused(client, moderator, seller, kwork_data):
    """A POST that does not say which version the moderator saw publishes nothing (stale page or forged form)."""
    kwork = _waiting(seller, kwork_data)
    client.force_login(moderator)
    response = client.post(
        reverse("admin:marketplace_moderationqueue_changelist"),
        {"action": "approve", ACTION_CHECKBOX_NAME: [kwork.pk]},
        follow=True,
    )
    assert "reload the queue and review the Kwork before approving it" in response.text
    kwork.refresh_from_db()
    assert kwork.status != Kwork.Status.ACTIVE and not kwork.is_listed
    assert not Notification.objects.filter(user=seller).exists()


def test_c7_reject_with_a_prohibited_topic_reason_the_seller_sees(
    client, moderator, seller, kwork_data, django_capture_on_commit_callbacks
):
    kwork = _waiting(seller, kwork_data)
    client.force_login(moderator)
    url = reverse("admin:marketplace_moderationqueue_changelist")
    response = client.post(url, {"action": "reject", ACTION_CHECKBOX_NAME: [kwork.pk]})
    assert "Gambling" in response.text and "Binary options" in response.text and "Astrology" in response.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "action": "reject",
                ACTION_CHECKBOX_NAME: [kwork.pk],
                "apply": "1",
                "reason": "gambling",
                "note": "Casino.",
            },
            follow=True,
        )
    assert "Rejected 1 Kwork." in response.text
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.REJECTED and kwork.get_reject_reason_display() == "Gambling"
    note = Notification.objects.get(user=seller)
    assert note.body == "Reason: Gambling. Casino. Edit it and send it again."
    client.force_login(seller)
    page = client.get(reverse("marketplace:my_kworks"))
    assert "Rejected: Gambling." in page.text and "Casino." in page.text


def test_c7_reject_other_needs_a_note_and_changes_nothing(moderator, seller, kwork_data):
    kwork = _waiting(seller, kwork_data)
    with pytest.raises(DomainError) as caught:
        services.kwork_reject(kwork=kwork, moderator=moderator, reason="other", note="")
    assert caught.value.message == "Explain the reason to the seller when you choose “Other”."
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.MODERATION and kwork.review_requested_at is not None


def test_c7_approving_twice_is_refused(moderator, seller, kwork_data):
    kwork = _waiting(seller, kwork_data)
    services.kwork_approve(kwork=kwork, moderator=moderator)
    with pytest.raises(DomainError, match="is not waiting for moderation"):
        services.kwork_approve(kwork=kwork, moderator=moderator)


def test_c7_edit_of_an_approved_kwork_waits_while_the_approved_version_sells(moderator, seller, kwork_data):
    kwork = _waiting(seller, kwork_data, options=[{"title": "Extra page", "price_cents": 2000}])
    services.kwork_approve(kwork=kwork, moderator=moderator)
    old_option = kwork.options.get()
    services.kwork_update(
        seller=seller,
        kwork=kwork,
        data=kwork_data(title="I will build a faster WordPress website", price_cents=2500, options=[]),
        submit=True,
    )
    kwork.refresh_from_db()
    assert kwork.title == "I will build a WordPress website for your business"  # still the approved one
    assert kwork.price_cents == 1000 and kwork.is_listed
    assert kwork.pending_changes["price_cents"] == 2500 and kwork.review_requested_at is not None

    services.kwork_reject(kwork=kwork, moderator=moderator, reason="quality", note="Say what is faster.")
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.ACTIVE and kwork.title.startswith("I will build a WordPress")

    services.kwork_submit(seller=seller, kwork=kwork)
    services.kwork_approve(kwork=kwork, moderator=moderator)
    kwork.refresh_from_db()
    assert kwork.title == "I will build a faster WordPress website" and kwork.price_cents == 2500
    assert kwork.pending_changes is None
    old_option.refresh_from_db()
    assert not old_option.is_active  # archived, so orders that used it keep their reference
    assert KworkOption.objects.filter(kwork=kwork, is_active=True).count() == 0


def test_c7_new_images_of_an_approved_kwork_wait_for_moderation(moderator, seller, kwork_data):
    kwork = _waiting(seller, kwork_data)
    services.kwork_approve(kwork=kwork, moderator=moderator)
    image = services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload("new.png"))
    assert image.pending
    services.kwork_update(seller=seller, kwork=kwork, data=kwork_data(), submit=True)
    services.kwork_approve(kwork=kwork, moderator=moderator)
    image.refresh_from_db()
    assert not image.pending


def test_c7_moderators_group_has_the_admin_permissions(moderator):
    assert moderator.has_perm("marketplace.change_moderationqueue")
    assert moderator.has_perm("marketplace.view_kwork")
    assert moderator.has_perm("marketplace.view_category")
    assert not moderator.has_perm("marketplace.delete_kwork")


def test_c7_no_admin_add_or_delete_bypasses_the_services(client, moderator, seller, kwork_data):
    kwork = _waiting(seller, kwork_data)
    client.force_login(moderator)
    assert client.get(reverse("admin:marketplace_kwork_add")).status_code == 403
    response = client.post(reverse("admin:marketplace_kwork_change", args=[kwork.pk]), {"status": "active"})
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.MODERATION
    assert response.status_code in (200, 302, 403)
