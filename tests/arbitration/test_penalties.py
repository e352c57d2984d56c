"""T1 (penalties, doubling blocks, appeals), M3 (payment offered outside the site, repeated contact details), M4
(profanity), T2 (spam, reports): services, refusals (with their message, nothing changed) and what a block does."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts import penalties, rules
from accounts.models import Appeal, Notification, Offence, Penalty, Report, StaffAction, User
from accounts.roles import SUPPORT
from common.contacts import find_payment_offers
from common.errors import DomainError
from messaging import services as messaging_services
from messaging.models import Message
from orders import services as order_services
from orders.models import Order, OrderMessage
from tests.factories import UserFactory, in_group, verified
from tests.marketplace.factories import png_upload
from tests.messaging.helpers import start
from tests.orders.factories import started

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 2, 10, tzinfo=UTC)
PAYMENT_OFFER = "Let's do it cheaper: pay me directly by PayPal and we skip the fee."


def person():
    return verified(UserFactory())


def support():
    return in_group(person(), SUPPORT)


def give(staff, user, kind=Penalty.Kind.TEMPORARY, **kwargs):
    data = {"rule": Penalty.Rule.PROFANITY, "evidence_url": "/messages/1/", "reason": "Rude to a buyer."} | kwargs
    return penalties.penalty_give(staff=staff, user=user, kind=kind, **data)


def state():
    """Everything a refused penalty action must leave untouched."""
    return (
        list(Penalty.objects.order_by("pk").values_list("status", "kind", "ends_at")),
        list(Appeal.objects.order_by("pk").values_list("status", "decided_by")),
        list(Report.objects.order_by("pk").values_list("status")),
        list(User.objects.order_by("pk").values_list("blocked_until", "blocked_permanently")),
        StaffAction.objects.count(),
        Notification.objects.count(),
    )


# --- T1: staff penalties --------------------------------------------------------------------------------------


def test_t1_staff_give_a_warning_audited_notified_and_emailed(django_capture_on_commit_callbacks):
    staff, user = support(), person()
    with django_capture_on_commit_callbacks(execute=True):
        penalty = give(staff, user, kind=Penalty.Kind.WARNING)
    assert (penalty.status, penalty.given_by, penalty.ends_at) == (Penalty.Status.ACTIVE, staff, None)
    user.refresh_from_db()
    assert not user.is_blocked
    action = StaffAction.objects.get()
    assert (action.actor, action.action, action.target_id) == (staff, "penalty.warning", str(penalty.pk))
    note = Notification.objects.get(user=user)
    assert note.title == "You have received a warning" and "Rude to a buyer." in note.body
    assert mail.outbox[-1].to == [user.email]


def test_t1_a_permanent_block_never_ends():
    staff, user = support(), person()
    with time_machine.travel(T0, tick=False):
        give(staff, user, kind=Penalty.Kind.PERMANENT, rule=Penalty.Rule.FRAUD)
    with time_machine.travel(T0 + timedelta(days=3650), tick=False):
        user.refresh_from_db()
        assert user.is_blocked


def test_t1_temporary_blocks_double_with_each_repeat_on_both_sides_of_each_expiry():
    staff, user = support(), person()
    base = rules.BLOCK_BASE_DAYS
    start_at = T0
    for n, days in enumerate([base, base * 2, base * 4]):
        with time_machine.travel(start_at, tick=False):
            penalty = give(staff, user)
            assert penalty.block_days == days, f"block {n + 1}"
            assert penalty.ends_at == start_at + timedelta(days=days)
        with time_machine.travel(penalty.ends_at - timedelta(seconds=1), tick=False):
            user.refresh_from_db()
            assert user.is_blocked
        with time_machine.travel(penalty.ends_at + timedelta(seconds=1), tick=False):
            user.refresh_from_db()
            assert not user.is_blocked
        start_at = penalty.ends_at + timedelta(days=1)


def test_t1_a_lifted_block_does_not_count_for_doubling_and_ends_the_block_at_once():
    staff, user = support(), person()
    first = give(staff, user)
    penalties.penalty_lift(penalty=first, staff=support(), reason="Mistaken identity.")
    user.refresh_from_db()
    assert not user.is_blocked
    assert give(staff, user).block_days == rules.BLOCK_BASE_DAYS


@pytest.mark.parametrize(
    ("who", "change", "message"),
    [
        ("buyer", {}, "Only support staff can give penalties."),
        ("staff", {"reason": " "}, "Write the reason the user will read."),
        ("staff", {"evidence_url": "https://evil.example/"}, "Give the evidence as a link on this site"),
        ("staff", {"evidence_url": ""}, "Give the evidence as a link on this site"),
        ("staff", {"rule": "nonsense"}, "Choose the rule that was broken."),
        ("self", {}, "You cannot penalise yourself."),
    ],
)
def test_t1_penalty_refusals_change_nothing(who, change, message):
    staff, user = support(), person()
    actor = {"buyer": person(), "staff": staff, "self": staff}[who]
    target = staff if who == "self" else user
    before = state()
    with pytest.raises(DomainError) as exc:
        give(actor, target, **change)
    assert exc.value.message.startswith(message)
    assert state() == before


# --- T1: appeals ------------------------------------------------------------------------------------------------


def test_t1_one_appeal_per_penalty_with_a_file_granted_by_another_staff_member_lifts_the_block():
    author, other, user = support(), support(), person()
    penalty = give(author, user)
    upload = png_upload("proof.png")
    appeal = penalties.appeal_create(user=user, penalty=penalty, text="I was quoting the buyer.", file=upload)
    assert appeal.file_name == "proof.png" and appeal.status == Appeal.Status.PENDING
    before = state()
    with pytest.raises(DomainError) as exc:
        penalties.appeal_create(user=user, penalty=penalty, text="Again, please.")
    assert exc.value.message == penalties.SECOND_APPEAL
    with pytest.raises(DomainError) as exc:
        penalties.appeal_decide(appeal=appeal, staff=author, grant=True, reason="Fine.")
    assert exc.value.message == "You gave this penalty: another member of staff must decide its appeal."
    with pytest.raises(DomainError) as exc:
        penalties.appeal_decide(appeal=appeal, staff=user, grant=True, reason="Fine.")
    assert exc.value.message == "Only support staff can decide appeals."
    assert state() == before
    penalties.appeal_decide(appeal=appeal, staff=other, grant=True, reason="The quote is clear.")
    appeal.refresh_from_db(), penalty.refresh_from_db(), user.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == (Appeal.Status.GRANTED, other)
    assert penalty.status == Penalty.Status.LIFTED and not user.is_blocked
    assert StaffAction.objects.filter(action="appeal.grant", actor=other).exists()
    before = state()
    with pytest.raises(DomainError, match="already been decided"):
        penalties.appeal_decide(appeal=appeal, staff=other, grant=False, reason="Changed my mind.")
    assert state() == before


def test_t1_a_rejected_appeal_keeps_the_block_and_an_automatic_penalty_is_decided_by_any_staff():
    user = person()
    with pytest.raises(DomainError):
        messaging_services.message_send(conversation=start(buyer=user), author=user, text=PAYMENT_OFFER)
    penalty = Penalty.objects.get(user=user)
    assert penalty.automatic and penalty.given_by is None
    appeal = penalties.appeal_create(user=user, penalty=penalty, text="I meant through the site.")
    penalties.appeal_decide(appeal=appeal, staff=support(), grant=False, reason="The words are clear.")
    penalty.refresh_from_db()
    assert penalty.status == Penalty.Status.ACTIVE  # reviewed and kept
    assert Notification.objects.filter(user=user, title="Your appeal was rejected").exists()


def test_t1_appeal_refusals_someone_elses_penalty_empty_text_lifted_penalty():
    staff, user, stranger = support(), person(), person()
    penalty = give(staff, user)
    before = state()
    with pytest.raises(DomainError, match="only your own penalties"):
        penalties.appeal_create(user=stranger, penalty=penalty, text="Not mine.")
    with pytest.raises(DomainError, match="Explain why"):
        penalties.appeal_create(user=user, penalty=penalty, text="  ")
    assert state() == before
    penalties.penalty_lift(penalty=penalty, staff=staff, reason="Sorry.")
    with pytest.raises(DomainError, match="already been lifted"):
        penalties.appeal_create(user=user, penalty=penalty, text="Thanks.")
    assert not Appeal.objects.exists()


# --- M3, M4, T2: the site's automatic steps ---------------------------------------------------------------------


def test_m3_payment_offer_detector():
    assert find_payment_offers(PAYMENT_OFFER)
    assert find_payment_offers("We can settle this outside the site")
    assert find_payment_offers("Send the money via Western Union")
    assert not find_payment_offers("I need a PayPal checkout on my shop")
    assert not find_payment_offers("Please pay through the site as usual")


def test_m3_payment_offered_outside_the_site_warning_first_then_a_block_and_the_message_is_never_sent():
    conversation = start()
    seller = conversation.seller
    with pytest.raises(DomainError) as exc:
        messaging_services.message_send(conversation=conversation, author=seller, text=PAYMENT_OFFER)
    assert "offers payment outside the site" in exc.value.message and "this is a warning" in exc.value.message
    warning = Penalty.objects.get(user=seller)
    assert (warning.kind, warning.rule, warning.status) == ("warning", "payment_outside", Penalty.Status.REVIEW)
    assert warning.evidence_url == reverse("messaging:conversation", args=[conversation.pk])
    with pytest.raises(DomainError) as exc:
        messaging_services.message_send(conversation=conversation, author=seller, text="pay me directly, ok?")
    assert f"blocked for {rules.BLOCK_BASE_DAYS} days" in exc.value.message
    seller.refresh_from_db()
    assert seller.is_blocked
    assert Message.objects.filter(author=seller).count() == 0
    assert list(penalties.penalties_for_review(status="review").values_list("kind", flat=True)) == [
        "temporary",
        "warning",
    ]


def test_m3_payment_offer_refused_even_in_the_chat_of_an_order_in_progress_and_the_penalty_stands():
    order = started()
    with pytest.raises(DomainError, match="offers payment outside the site"):
        order_services.order_message_send(order=order, author=order.seller, text=PAYMENT_OFFER)
    assert not OrderMessage.objects.filter(text=PAYMENT_OFFER).exists()
    penalty = Penalty.objects.get(user=order.seller)
    assert penalty.evidence_url == order.get_absolute_url()


def test_m3_repeated_contact_details_are_refused_then_warned_then_blocked():
    conversation = start()
    buyer = conversation.buyer
    for _ in range(rules.CONTACT_REFUSALS_BEFORE_WARNING):
        with pytest.raises(DomainError, match="contains contact details"):
            messaging_services.message_send(conversation=conversation, author=buyer, text="mail me: a@b.com")
    assert not Penalty.objects.exists()
    assert Offence.objects.filter(user=buyer, rule="contacts").count() == rules.CONTACT_REFUSALS_BEFORE_WARNING
    with pytest.raises(DomainError, match="this is a warning"):
        messaging_services.message_send(conversation=conversation, author=buyer, text="call +1 415 555 0100")
    with pytest.raises(DomainError, match="blocked for"):
        messaging_services.message_send(conversation=conversation, author=buyer, text="telegram: @joe_design")
    assert list(Penalty.objects.order_by("pk").values_list("kind", "automatic")) == [
        ("warning", True),
        ("temporary", True),
    ]


def test_m3_contact_details_in_an_order_in_progress_are_not_an_offence():
    order = started()
    order_services.order_message_send(order=order, author=order.seller, text="call me on +1 415 555 0100")
    assert not Offence.objects.exists() and not Penalty.objects.exists()


def test_m4_profanity_warning_then_a_block_that_doubles():
    conversation = start()
    buyer = conversation.buyer
    with pytest.raises(DomainError, match="offensive language"):
        messaging_services.message_send(conversation=conversation, author=buyer, text="What is this shit?")
    with pytest.raises(DomainError, match=f"blocked for {rules.BLOCK_BASE_DAYS} days"):
        messaging_services.message_send(conversation=conversation, author=buyer, text="Fucking late again")
    User.objects.filter(pk=buyer.pk).update(blocked_until=None)  # the block over, a third offence
    buyer.refresh_from_db()
    with pytest.raises(DomainError, match=f"blocked for {rules.BLOCK_BASE_DAYS * 2} days"):
        messaging_services.message_send(conversation=conversation, author=buyer, text="You bastard")


def test_t2_spam_marked_by_support_warning_then_block_in_the_review_queue_and_staff_can_lift_it():
    conversation = start()
    buyer = conversation.buyer
    staff = support()
    messaging_services.message_spam_mark(message=conversation.last_message, staff=staff)
    second = messaging_services.message_send(conversation=conversation, author=buyer, text="Buy my course!")
    messaging_services.message_spam_mark(message=second, staff=staff)
    kinds = list(Penalty.objects.filter(user=buyer, rule="spam").order_by("pk").values_list("kind", flat=True))
    assert kinds == ["warning", "temporary"]
    block = Penalty.objects.get(user=buyer, kind="temporary")
    assert block.status == Penalty.Status.REVIEW
    buyer.refresh_from_db()
    assert buyer.is_blocked
    penalties.penalty_lift(penalty=block, staff=staff, reason="A genuine question, not spam.")
    buyer.refresh_from_db()
    assert not buyer.is_blocked
    assert StaffAction.objects.filter(action="penalty.lift", actor=staff).exists()


def test_t1_review_refusals():
    staff, buyer = support(), person()
    penalty = give(staff, person())
    before = state()
    with pytest.raises(DomainError, match="not waiting for review"):
        penalties.penalty_confirm(penalty=penalty, staff=staff)
    with pytest.raises(DomainError, match="Write why the penalty is lifted"):
        penalties.penalty_lift(penalty=penalty, staff=staff, reason="")
    with pytest.raises(DomainError, match="Only support staff"):
        penalties.penalty_lift(penalty=penalty, staff=buyer, reason="Because.")
    assert state() == before


# --- T2: reports --------------------------------------------------------------------------------------------------


def test_t2_a_report_goes_to_the_queue_a_duplicate_is_refused_and_a_penalty_closes_it():
    reporter, target, staff = person(), person(), support()
    data = {
        "target_kind": "profile",
        "target_id": target.pk,
        "target_user": target,
        "target_url": target.get_absolute_url(),
        "target_label": f"Profile of {target.username}",
    }
    report = penalties.report_create(reporter=reporter, reason="Advertises another site.", **data)
    before = state()
    with pytest.raises(DomainError, match="already reported"):
        penalties.report_create(reporter=reporter, reason="Again.", **data)
    with pytest.raises(DomainError, match="cannot report yourself"):
        penalties.report_create(reporter=target, reason="Me.", **data)
    assert state() == before
    penalty = give(staff, target, kind="warning", rule="spam", evidence_url=report.target_url, report=report)
    report.refresh_from_db()
    assert (report.status, report.penalty, report.handled_by) == (Report.Status.ACTED, penalty, staff)
    with pytest.raises(DomainError, match="already been handled"):
        penalties.report_dismiss(report=report, staff=staff)


# --- T1: what a block does --------------------------------------------------------------------------------------


def test_t1_a_blocked_user_reads_but_every_write_goes_to_the_block_page_and_nothing_changes(client):
    conversation = start()
    buyer = conversation.buyer
    give(support(), buyer, rule="other")
    client.force_login(buyer)
    assert client.get(reverse("messaging:conversation", args=[conversation.pk])).status_code == 200
    messages_before = Message.objects.count()
    response = client.post(reverse("messaging:send", args=[conversation.pk]), {"text": "Hello?"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("penalties:mine")
    body = response.content.decode()
    assert "Your account is blocked" in body and "Appeal this penalty" in body
    assert Message.objects.count() == messages_before
    htmx = client.post(reverse("messaging:send", args=[conversation.pk]), {"text": "x"}, HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == reverse("penalties:mine")
    # The appeal is the one write allowed.
    penalty = Penalty.objects.get(user=buyer)
    response = client.post(reverse("penalties:appeal", args=[penalty.pk]), {"text": "Please look again."})
    assert response.status_code == 302 and Appeal.objects.filter(penalty=penalty).exists()


def test_t1_a_blocked_sellers_order_in_progress_goes_on_the_buyer_still_acts_and_the_money_stays_in_escrow(client):
    order = started()
    give(support(), order.seller, kind="permanent", rule="fraud")
    client.force_login(order.seller)
    response = client.post(reverse("orders:message_send", args=[order.pk]), {"text": "Working on it"})
    assert response.status_code == 302 and response["Location"] == reverse("penalties:mine")
    assert not OrderMessage.objects.filter(author=order.seller).exists()
    assert client.get(order.get_absolute_url()).status_code == 200  # reading is allowed
    client.force_login(order.buyer)
    client.post(reverse("orders:message_send", args=[order.pk]), {"text": "Any news?"})
    assert OrderMessage.objects.filter(author=order.buyer, text="Any news?").exists()
    order.refresh_from_db()
    assert order.status == Order.Status.IN_PROGRESS
