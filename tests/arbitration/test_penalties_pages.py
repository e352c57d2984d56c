"""T6 for the penalty pages: every page against every role, the forms through the browser's path, and query counts
of the queues (1 vs 50 rows). T1, T2 in the back office."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import penalties
from accounts.models import Appeal, Penalty, Report, StaffAction
from accounts.roles import MODERATORS, SUPPORT
from tests.factories import UserFactory, in_group, verified
from tests.marketplace.factories import KworkFactory, png_upload
from tests.messaging.helpers import start

pytestmark = pytest.mark.django_db


def person():
    return verified(UserFactory())


def support():
    return in_group(person(), SUPPORT)


def give(staff, user, kind="temporary", rule="profanity"):
    return penalties.penalty_give(
        staff=staff, user=user, kind=kind, rule=rule, evidence_url="/messages/1/", reason="Rude to a buyer."
    )


def fill(n):
    """n penalties (half automatic), n reports, n appeals."""
    staff = support()
    for i in range(n):
        user = person()
        penalty = give(staff, user)
        if i % 2:
            Penalty.objects.filter(pk=penalty.pk).update(
                status=Penalty.Status.REVIEW, automatic=True, given_by=None
            )
        penalties.appeal_create(user=user, penalty=penalty, text="Please.", file=png_upload() if i == 0 else None)
        penalties.report_create(
            reporter=person(),
            target_kind="profile",
            target_id=user.pk,
            target_user=user,
            target_url=user.get_absolute_url(),
            target_label=f"Profile of {user.username}",
            reason="Spam.",
        )
    return staff


BACKOFFICE_PAGES = [
    ("backoffice:penalties", {}),
    ("backoffice:penalties", {"status": "active"}),
    ("backoffice:penalty_new", {}),
    ("backoffice:reports", {}),
    ("backoffice:appeals", {}),
]


@pytest.mark.parametrize("role", ["anonymous", "buyer", "seller", "moderator", "support", "superuser"])
def test_t6_penalty_back_office_pages_for_every_role(client, role):
    fill(1)
    appeal = Appeal.objects.get()
    user = {
        "anonymous": None,
        "buyer": person(),
        "seller": KworkFactory().seller,
        "moderator": in_group(person(), MODERATORS),
        "support": support(),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }[role]
    if user:
        client.force_login(user)
    pages = [(reverse(name), query) for name, query in BACKOFFICE_PAGES]
    pages.append((reverse("backoffice:appeal_file", args=[appeal.pk]), {}))
    for url, query in pages:
        response = client.get(url, query)
        expected = {"anonymous": 302, "support": 200, "superuser": 200}.get(role, 403)
        assert response.status_code == expected, (role, url)
    posts = [
        reverse("backoffice:penalty_decide", args=[Penalty.objects.first().pk]),
        reverse("backoffice:report_dismiss", args=[Report.objects.get().pk]),
        reverse("backoffice:appeal_decide", args=[appeal.pk]),
    ]
    if role not in ("support", "superuser"):
        for url in posts:
            assert client.post(url, {"decision": "lift", "reason": "x"}).status_code in (302, 403)
        assert Report.objects.get().status == Report.Status.OPEN
        assert Appeal.objects.get().status == Appeal.Status.PENDING
        assert not StaffAction.objects.exclude(action__startswith="penalty.temporary").exists()


def test_t6_the_users_pages_need_a_login_and_show_only_ones_own_penalties(client):
    staff, user, other = support(), person(), person()
    give(staff, other)
    for url in (reverse("penalties:mine"), reverse("penalties:report", args=["profile", other.pk])):
        assert client.get(url).status_code == 302
    client.force_login(user)
    page = client.get(reverse("penalties:mine"))
    assert page.status_code == 200 and "You have no penalties" in page.content.decode()
    other_penalty = Penalty.objects.get(user=other)
    client.post(reverse("penalties:appeal", args=[other_penalty.pk]), {"text": "Not mine."})
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("queue", ["backoffice:penalties", "backoffice:reports", "backoffice:appeals"])
def test_t6_queue_query_counts_do_not_grow_with_rows(client, queue):
    staff = fill(1)
    client.force_login(staff)
    status = {"backoffice:penalties": "active"}.get(queue, "")
    query = {"status": status} if status else {}

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(queue), query).status_code == 200
        return len(ctx)

    count()  # warm up: the first request of a session writes last-seen and the session
    small = count()
    fill(49)
    assert count() == small


def test_t2_a_user_reports_a_kwork_and_a_message_and_support_gives_a_penalty_from_the_report(client):
    reporter = person()
    kwork = KworkFactory()
    client.force_login(reporter)
    url = reverse("penalties:report", args=["kwork", kwork.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Copies my Kwork word for word.", "next": kwork.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == kwork.get_absolute_url()
    report = Report.objects.get()
    assert (report.target_user, report.target_url) == (kwork.seller, kwork.get_absolute_url())
    again = client.post(url, {"reason": "Again."})
    assert "already reported" in again.content.decode() and Report.objects.count() == 1
    # A message can be reported only by the two people of its conversation.
    conversation = start()
    message = conversation.last_message
    assert client.get(reverse("penalties:report", args=["message", message.pk])).status_code == 404
    assert client.get(reverse("penalties:report", args=["nonsense", 1])).status_code == 404
    staff = support()
    client.force_login(staff)
    form = client.get(reverse("backoffice:penalty_new"), {"report": report.pk})
    assert kwork.seller.username in form.content.decode()
    response = client.post(
        reverse("backoffice:penalty_new"),
        {
            "report": report.pk,
            "user": kwork.seller.username,
            "kind": "warning",
            "rule": "spam",
            "evidence_url": kwork.get_absolute_url(),
            "reason": "Copied another seller's Kwork.",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.ACTED and report.penalty.user == kwork.seller


def test_t1_the_back_office_refuses_an_appeal_decision_by_the_penalty_author_with_its_message(client):
    author, user = support(), person()
    penalty = give(author, user)
    appeal = penalties.appeal_create(user=user, penalty=penalty, text="Please.")
    client.force_login(author)
    page = client.get(reverse("backoffice:appeals"))
    assert "another member of staff decides the appeal" in page.content.decode()
    response = client.post(
        reverse("backoffice:appeal_decide", args=[appeal.pk]), {"decision": "grant", "reason": "ok"}, follow=True
    )
    assert "another member of staff must decide" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.PENDING
    other = support()
    client.force_login(other)
    client.post(reverse("backoffice:appeal_decide", args=[appeal.pk]), {"decision": "grant", "reason": "Fair."})
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.GRANTED


def test_t1_support_keeps_or_lifts_an_automatic_penalty_from_the_queue(client):
    conversation = start()
    with pytest.raises(penalties.DomainError):
        from messaging import services

        services.message_send(conversation=conversation, author=conversation.buyer, text="pay me directly please")
    penalty = Penalty.objects.get()
    staff = support()
    client.force_login(staff)
    page = client.get(reverse("backoffice:penalties"))
    assert "the site (automatic)" in page.content.decode()
    response = client.post(
        reverse("backoffice:penalty_decide", args=[penalty.pk]), {"decision": "lift", "reason": ""}
    )
    penalty.refresh_from_db()
    assert penalty.status == Penalty.Status.REVIEW
    client.post(reverse("backoffice:penalty_decide", args=[penalty.pk]), {"decision": "lift", "reason": "Joke."})
    penalty.refresh_from_db()
    assert penalty.status == Penalty.Status.LIFTED and response.status_code == 302
    home = client.get(reverse("backoffice:index"))
    assert "automatic penalties to review" in home.content.decode()


def test_t2_report_buttons_on_a_message_a_kwork_and_a_profile_for_others_only(client):
    conversation = start()
    buyer, seller = conversation.buyer, conversation.seller
    kwork = seller.kworks.first()
    message = conversation.last_message
    client.force_login(seller)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert reverse("penalties:report", args=["message", message.pk]) in page
    assert (
        reverse("penalties:report", args=["kwork", kwork.pk])
        not in client.get(kwork.get_absolute_url()).content.decode()
    )
    client.force_login(buyer)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert reverse("penalties:report", args=["message", message.pk]) not in page  # one's own message
    assert (
        reverse("penalties:report", args=["kwork", kwork.pk])
        in client.get(kwork.get_absolute_url()).content.decode()
    )
    assert (
        reverse("penalties:report", args=["profile", seller.pk])
        in client.get(seller.get_absolute_url()).content.decode()
    )
    response = client.post(reverse("penalties:report", args=["message", message.pk]), {"reason": "Mine."})
    assert "cannot report yourself" in response.content.decode() and not Report.objects.exists()


def test_t1_demo_data_fills_the_penalty_queues_and_runs_again_safely():
    import io

    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert penalties.waiting_counts() == {"penalties": 1, "reports": 1, "appeals": 1}
    assert not Penalty.objects.exclude(kind="warning").exists()  # nobody is blocked in the demo
