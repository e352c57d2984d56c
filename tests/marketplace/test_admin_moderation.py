"""C7 on the Kwork's own admin page: "Approve this version" and "Reject with a reason" call the moderation
services, with the moderator's permission only; an approved Kwork's pending changes show as a before/after table."""

import re

import pytest
from django.urls import reverse

from accounts.roles import MODERATORS, SUPPORT, sync_role_permissions
from marketplace import services
from marketplace.models import Kwork
from tests.factories import UserFactory, in_group, verified
from tests.marketplace.factories import png_upload

pytestmark = pytest.mark.django_db

QUEUE = "admin:marketplace_moderationqueue_changelist"


@pytest.fixture
def moderator(db):
    sync_role_permissions()
    return in_group(verified(UserFactory(username="mod", is_staff=True)), MODERATORS)


@pytest.fixture
def support(db):
    sync_role_permissions()
    return in_group(verified(UserFactory(username="agent", is_staff=True)), SUPPORT)


def _waiting(seller, kwork_data, **overrides):
    kwork = services.kwork_create(seller=seller, data=kwork_data(**overrides))
    services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload())
    return services.kwork_submit(seller=seller, kwork=kwork)


def _change(kwork, admin="moderationqueue"):
    return reverse(f"admin:marketplace_{admin}_change", args=[kwork.pk])


def _seen(html, kwork):
    return re.search(rf'name="seen_version_{kwork.pk}" value="(\d+)"', html).group(1)


@pytest.mark.parametrize("admin", ["moderationqueue", "kwork"])
def test_c7_moderator_approves_from_the_change_page(
    client, moderator, seller, kwork_data, admin, django_capture_on_commit_callbacks
):
    kwork = _waiting(seller, kwork_data)
    client.force_login(moderator)
    page = client.get(_change(kwork, admin)).text
    assert 'data-testid="approve-this-version"' in page and 'data-testid="reject-with-reason"' in page
    approve = reverse(f"admin:marketplace_{admin}_approve", args=[kwork.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(approve, {f"seen_version_{kwork.pk}": _seen(page, kwork)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(QUEUE)
    assert f"Approved “{kwork.title}”." in response.text
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.ACTIVE and kwork.moderated_by == moderator
    assert seller.notifications.filter(title__contains="is approved").exists()


def test_c7_change_page_approval_of_another_version_or_none_is_refused(client, moderator, seller, kwork_data):
    kwork = _waiting(seller, kwork_data)
    client.force_login(moderator)
    approve = reverse("admin:marketplace_moderationqueue_approve", args=[kwork.pk])
    response = client.post(approve, {}, follow=True)
    assert "review the Kwork before approving it" in response.text
    response = client.post(approve, {f"seen_version_{kwork.pk}": kwork.moderation_version - 1}, follow=True)
    assert "was changed by the seller after you opened it" in response.text
    assert response.redirect_chain[-1][0] == _change(kwork)  # still waiting: back to the Kwork
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.MODERATION and kwork.review_requested_at is not None
    assert client.get(approve).status_code == 405


def test_c7_reject_from_the_change_page_needs_a_reason(client, moderator, seller, kwork_data):
    kwork = _waiting(seller, kwork_data)
    client.force_login(moderator)
    reject = reverse("admin:marketplace_moderationqueue_reject", args=[kwork.pk])
    form = client.get(reject)
    assert form.status_code == 200 and 'name="reason"' in form.text
    assert f'href="{_change(kwork)}"' in form.text  # "Cancel" goes back to the Kwork
    assert re.search(r'<option value="" selected>Choose a reason…</option>', form.text)  # none chosen for you

    refused = client.post(reject, {"apply": "1", "reason": "", "note": ""})
    assert refused.status_code == 200 and "This field is required." in refused.text
    other_without_note = client.post(reject, {"apply": "1", "reason": "other", "note": ""}, follow=True)
    assert "Explain the reason to the seller" in other_without_note.text
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.MODERATION and kwork.review_requested_at is not None

    done = client.post(
        reject, {"apply": "1", "reason": "contacts", "note": "Remove the phone number."}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse(QUEUE)
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.REJECTED and kwork.reject_reason == "contacts"
    assert kwork.reject_note == "Remove the phone number." and kwork.moderated_by == moderator


@pytest.mark.parametrize("who", ["support", "plain_staff"])
def test_c7_staff_without_the_permission_cannot_decide(client, support, seller, kwork_data, who):
    kwork = _waiting(seller, kwork_data)
    person = support if who == "support" else verified(UserFactory(is_staff=True))
    client.force_login(person)
    for admin in ("moderationqueue", "kwork"):
        approve = reverse(f"admin:marketplace_{admin}_approve", args=[kwork.pk])
        reject = reverse(f"admin:marketplace_{admin}_reject", args=[kwork.pk])
        assert client.post(approve, {f"seen_version_{kwork.pk}": kwork.moderation_version}).status_code == 403
        assert client.get(reject).status_code == 403
        assert client.post(reject, {"apply": "1", "reason": "quality"}).status_code == 403
    if who == "support":  # Support may look at the Kwork, without the buttons
        page = client.get(_change(kwork, "kwork"))
        assert page.status_code == 200 and "approve-this-version" not in page.text
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.MODERATION and kwork.review_requested_at is not None


def test_c7_pending_changes_show_as_a_before_after_table(client, moderator, seller, kwork_data):
    kwork = _waiting(seller, kwork_data, options=[{"title": "Extra page", "price_cents": 2000}])
    services.kwork_approve(kwork=kwork, moderator=moderator)
    services.kwork_update(
        seller=seller,
        kwork=kwork,
        data=kwork_data(
            title="I will build a faster WordPress website",
            description=kwork_data()["description"].replace("five pages", "seven <b>pages</b>"),
            price_cents=2500,
            options=[{"title": "Extra page", "price_cents": 3000}],
        ),
        submit=True,
    )
    client.force_login(moderator)
    page = client.get(_change(kwork)).text
    table = page[page.index('data-testid="pending-diff"') : page.index("</table>", page.index("pending-diff"))]
    rows = re.findall(r'<th scope="row">([^<]+)</th>', table)
    assert rows == ["Title", "Description", "Price", "Extra options"]  # changed fields only
    assert "<td><del>$10.00</del></td><td><ins>$25.00</ins></td>" in table
    assert "website<del> for your business</del></td>" in table and "<ins>faster </ins>WordPress" in table
    assert "<del>five</del>" in table and "<ins>seven</ins>" in table
    assert "&lt;b&gt;pages&lt;/b&gt;" in table and "<b>pages" not in table  # the seller's text is escaped
    assert "Extra page — <del>$20.00</del>" in table and "Extra page — <ins>$30.00</ins>" in table
    assert "price_cents" not in page and "2500" not in table


def test_c7_new_kwork_page_has_no_diff_but_the_buttons(client, moderator, seller, kwork_data):
    kwork = _waiting(seller, kwork_data)
    client.force_login(moderator)
    page = client.get(_change(kwork)).text
    assert "A new Kwork: check every field" in page and "pending-diff" not in page
    assert "Approve this version" in page


def test_c7_change_page_queries_do_not_grow_with_the_changes(client, moderator, seller, kwork_data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page_queries(option_count):
        options = [{"title": f"Extra page {i}", "price_cents": 1000 + i * 100} for i in range(option_count)]
        kwork = _waiting(seller, kwork_data, title=f"I will build {option_count} pages", options=options)
        services.kwork_approve(kwork=kwork, moderator=moderator)
        changed = [{**option, "price_cents": option["price_cents"] + 500} for option in options]
        services.kwork_update(
            seller=seller, kwork=kwork, data=kwork_data(price_cents=2000, options=changed), submit=True
        )
        client.force_login(moderator)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_change(kwork)).status_code == 200
        return len(queries)

    page_queries(2)  # warms the caches a first admin page fills (content types, permissions)
    assert page_queries(1) == page_queries(8)
