"""C7: an approval publishes the version the moderator saw. A seller who edits a waiting Kwork (its text, its
pending changes or its media) after the moderator opened it gets no approval of the unseen version."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.roles import MODERATORS, sync_role_permissions
from common.errors import DomainError
from marketplace import services
from marketplace.models import Kwork
from tests.factories import UserFactory, in_group, verified
from tests.marketplace.factories import png_upload

pytestmark = pytest.mark.django_db

PROHIBITED = "I will read your horoscope and predict the casino numbers for you, every week of the year."
QUEUE = "admin:marketplace_moderationqueue_changelist"


@pytest.fixture
def moderator(db):
    sync_role_permissions()
    return in_group(verified(UserFactory(username="mod", is_staff=True)), MODERATORS)


def _waiting(seller, kwork_data):
    kwork = services.kwork_create(seller=seller, data=kwork_data())
    services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload())
    return services.kwork_submit(seller=seller, kwork=kwork)


def _seen_version(html, kwork):
    match = re.search(rf'name="seen_version_{kwork.pk}" value="(\d+)"', html)
    assert match, "the page carries the version the moderator sees"
    return match.group(1)


def test_c7_approve_from_the_queue_refuses_a_kwork_edited_after_the_moderator_saw_it(
    client, moderator, seller, kwork_data
):
    kwork = _waiting(seller, kwork_data)
    client.force_login(moderator)
    seen = _seen_version(client.get(reverse(QUEUE)).text, kwork)

    # While the moderator reads the harmless version, the seller turns it into a prohibited one.
    services.kwork_update(seller=seller, kwork=kwork, data=kwork_data(description=PROHIBITED))

    response = client.post(
        reverse(QUEUE),
        {"action": "approve", ACTION_CHECKBOX_NAME: [kwork.pk], f"seen_version_{kwork.pk}": seen},
        follow=True,
    )
    assert "was changed by the seller after you opened it" in response.text
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.MODERATION and kwork.approved_at is None and not kwork.is_listed

    # The moderator looks again: now the version on the page is the one approved.
    seen = _seen_version(client.get(reverse(QUEUE)).text, kwork)
    response = client.post(
        reverse(QUEUE),
        {"action": "approve", ACTION_CHECKBOX_NAME: [kwork.pk], f"seen_version_{kwork.pk}": seen},
        follow=True,
    )
    assert "Approved 1 Kwork." in response.text


def test_c7_pending_changes_edited_after_review_are_not_published(client, moderator, seller, kwork_data):
    kwork = _waiting(seller, kwork_data)
    services.kwork_approve(kwork=kwork, moderator=moderator)
    services.kwork_update(
        seller=seller, kwork=kwork, data=kwork_data(title="I will build a faster website"), submit=True
    )
    client.force_login(moderator)
    page = client.get(reverse("admin:marketplace_moderationqueue_change", args=[kwork.pk])).text
    assert "Approve this version" in page
    seen = _seen_version(page, kwork)

    services.kwork_update(seller=seller, kwork=kwork, data=kwork_data(description=PROHIBITED))

    client.post(
        reverse(QUEUE), {"action": "approve", ACTION_CHECKBOX_NAME: [kwork.pk], f"seen_version_{kwork.pk}": seen}
    )
    kwork.refresh_from_db()
    assert kwork.description != PROHIBITED and kwork.pending_changes["description"] == PROHIBITED
    assert kwork.review_requested_at is not None


def test_c7_a_new_image_after_review_needs_a_new_look(moderator, seller, kwork_data):
    kwork = _waiting(seller, kwork_data)
    seen = Kwork.objects.get(pk=kwork.pk).moderation_version
    services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload("second.png"))
    with pytest.raises(DomainError, match="was changed by the seller after you opened it"):
        services.kwork_approve(kwork=kwork, moderator=moderator, version=seen)
    services.kwork_approve(kwork=kwork, moderator=moderator, version=seen + 1)
    assert Kwork.objects.get(pk=kwork.pk).status == Kwork.Status.ACTIVE


def test_c7_every_seller_change_moves_the_version(seller, kwork_data):
    kwork = services.kwork_create(seller=seller, data=kwork_data())
    versions = [Kwork.objects.get(pk=kwork.pk).moderation_version]

    def step():
        versions.append(Kwork.objects.get(pk=kwork.pk).moderation_version)

    image = services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload())
    step()
    services.kwork_update(seller=seller, kwork=kwork, data=kwork_data(volume="2 websites"))
    step()
    services.kwork_submit(seller=seller, kwork=kwork)
    step()
    services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload("b.png"))
    step()
    services.kwork_image_delete(seller=seller, kwork=kwork, image_id=image.pk)
    step()
    assert versions == sorted(set(versions)), versions
