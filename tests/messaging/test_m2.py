"""M2: the 24-hour answer to a new message, the 20-day "new" gap, reminders, the block of all the seller's Kworks
and its lifting, spam and blocked senders, and the first-response records (R10)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Notification, User
from common.errors import DomainError
from marketplace import services as marketplace_services
from marketplace.models import Kwork, SellerProfile
from marketplace.selectors import listed_kworks
from messaging import rules, selectors, services
from messaging.models import Conversation, FirstResponse
from ratings.models import SellerStats
from tests.factories import in_group
from tests.marketplace.factories import KworkFactory

from .helpers import person, seller_with_kwork, start

pytestmark = pytest.mark.django_db
DAY = timedelta(hours=rules.ANSWER_HOURS)
S = timedelta(seconds=1)
T0 = timezone.now().replace(microsecond=0) + timedelta(days=1)


def blocked(seller):
    kworks = Kwork.objects.filter(seller=seller)
    return all(k.answer_blocked for k in kworks) and not listed_kworks().filter(seller=seller).exists()


def started_at(t, **kwargs):
    with time_machine.travel(t, tick=False):
        return start(**kwargs)


def sweep(t):
    with time_machine.travel(t, tick=False):
        return services.answer_deadline_sweep()


def test_m2_a_first_message_sets_the_24_hour_deadline():
    conversation = started_at(T0)
    assert conversation.answer_due_at == T0 + DAY
    record = FirstResponse.objects.get()
    assert (record.asked_at, record.due_at, record.seller_id) == (T0, T0 + DAY, conversation.seller_id)


def test_m2_24_hour_answer_both_sides_of_the_deadline():
    seller = seller_with_kwork()
    KworkFactory(seller=seller)  # all the seller's Kworks are blocked
    conversation = started_at(T0, seller=seller)
    assert sweep(T0 + DAY - S) == 0
    assert not blocked(seller)
    kwork = Kwork.objects.filter(seller=seller).first()
    assert kwork.order_refusal(conversation.buyer) is None
    assert sweep(T0 + DAY + S) == 1
    assert blocked(seller)
    kwork.refresh_from_db()
    assert "unanswered message" in kwork.order_refusal(person())
    assert SellerProfile.objects.get(user=seller).answer_blocked
    assert Notification.objects.filter(user=seller, title__startswith="Your Kworks are blocked").count() == 1
    assert sweep(T0 + DAY + 2 * S) == 0  # idempotent
    assert Notification.objects.filter(user=seller, title__startswith="Your Kworks are blocked").count() == 1


def test_m2_the_seller_answering_in_time_stops_the_clock_and_records_the_first_response():
    conversation = started_at(T0)
    with time_machine.travel(T0 + DAY - S, tick=False):
        services.message_send(conversation=conversation, author=conversation.seller, text="Yes, I can")
    conversation.refresh_from_db()
    assert conversation.answer_due_at is None and conversation.reminder_due_at is None
    record = FirstResponse.objects.get()
    assert record.seconds == int((DAY - S).total_seconds()) and record.on_time
    assert sweep(T0 + DAY + S) == 0
    assert not blocked(conversation.seller)


def test_m2_unblocked_at_once_when_the_seller_answers():
    conversation = started_at(T0)
    sweep(T0 + DAY + S)
    assert blocked(conversation.seller)
    with time_machine.travel(T0 + 2 * DAY, tick=False):
        services.message_send(conversation=conversation, author=conversation.seller, text="Sorry for the wait")
    assert not blocked(conversation.seller)
    assert listed_kworks().filter(seller=conversation.seller).exists()
    assert not SellerProfile.objects.get(user=conversation.seller).answer_blocked
    record = FirstResponse.objects.get()
    assert record.seconds == int((2 * DAY).total_seconds()) and not record.on_time


def test_m2_a_seller_owing_two_answers_stays_blocked_until_both_are_answered():
    seller = seller_with_kwork()
    first, second = started_at(T0, seller=seller), started_at(T0 + S, seller=seller)
    sweep(T0 + DAY + 2 * S)
    assert blocked(seller)
    services.message_send(conversation=first, author=seller, text="Answer one")
    assert blocked(seller)
    services.message_send(conversation=second, author=seller, text="Answer two")
    assert not blocked(seller)


def test_m2_the_20_day_gap_both_sides():
    conversation = started_at(T0)
    answered = T0 + timedelta(hours=1)
    with time_machine.travel(answered, tick=False):
        services.message_send(conversation=conversation, author=conversation.seller, text="Hi!")
    gap = timedelta(days=rules.NEW_MESSAGE_GAP_DAYS)
    with time_machine.travel(answered + gap, tick=False):
        services.message_send(conversation=conversation, author=conversation.buyer, text="Me again")
    conversation.refresh_from_db()
    assert conversation.answer_due_at is None  # exactly 20 days: not "more than 20 days", not new
    later = answered + gap + gap + S
    with time_machine.travel(later, tick=False):
        services.message_send(conversation=conversation, author=conversation.buyer, text="Back after a while")
    conversation.refresh_from_db()
    assert conversation.answer_due_at == later + DAY
    assert FirstResponse.objects.count() == 2


def test_m2_a_buyer_follow_up_inside_the_gap_does_not_move_the_deadline():
    conversation = started_at(T0)
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        services.message_send(conversation=conversation, author=conversation.buyer, text="Any news?")
    conversation.refresh_from_db()
    assert conversation.answer_due_at == T0 + DAY
    assert FirstResponse.objects.count() == 1


def test_m2_reminders_before_the_deadline_both_sides():
    conversation = started_at(T0)
    seller = conversation.seller
    reminders = Notification.objects.filter(user=seller, title__startswith="Answer your buyer")
    first, last = (timedelta(hours=h) for h in rules.ANSWER_REMINDER_HOURS_BEFORE)
    for at, expected in ((T0 + DAY - first - S, 0), (T0 + DAY - first + S, 1), (T0 + DAY - last - S, 1)):
        with time_machine.travel(at, tick=False):
            services.answer_reminders_sweep()
        assert reminders.count() == expected
    with time_machine.travel(T0 + DAY - last + S, tick=False):
        services.answer_reminders_sweep()
        services.answer_reminders_sweep()
    assert reminders.count() == 2
    conversation.refresh_from_db()
    assert conversation.reminder_due_at is None


def test_m2_a_late_reminder_sweep_sends_only_the_latest_reminder():
    started_at(T0)
    with time_machine.travel(T0 + DAY - S, tick=False):
        assert services.answer_reminders_sweep() == 1
        assert services.answer_reminders_sweep() == 0
    assert Notification.objects.filter(title__startswith="Answer your buyer").count() == 1


def test_m2_no_reminders_once_answered():
    conversation = started_at(T0)
    services.message_send(conversation=conversation, author=conversation.seller, text="Here")
    with time_machine.travel(T0 + DAY - S, tick=False):
        assert services.answer_reminders_sweep() == 0


def support():
    return in_group(person(), "Support")


def test_m2_a_message_marked_as_spam_does_not_count():
    conversation = started_at(T0)
    services.message_spam_mark(message=conversation.awaiting_message, staff=support())
    conversation.refresh_from_db()
    assert conversation.answer_due_at is None
    assert FirstResponse.objects.get().voided
    assert sweep(T0 + DAY + S) == 0
    assert not blocked(conversation.seller)
    assert selectors.seller_response_figures(seller_ids=[conversation.seller_id], now=T0 + 2 * DAY) == {
        conversation.seller_id: (None, None)
    }


def test_m2_marking_spam_lifts_a_block_it_caused():
    conversation = started_at(T0)
    message = conversation.awaiting_message
    sweep(T0 + DAY + S)
    assert blocked(conversation.seller)
    services.message_spam_mark(message=message, staff=support())
    assert not blocked(conversation.seller)


def test_m2_only_support_marks_spam_and_nothing_changes():
    conversation = started_at(T0)
    for user in (conversation.seller, conversation.buyer, in_group(person(), "Moderators")):
        with pytest.raises(DomainError) as exc:
            services.message_spam_mark(message=conversation.awaiting_message, staff=user)
        assert exc.value.message == "Only support staff can mark messages as spam."
    conversation.refresh_from_db()
    assert conversation.answer_due_at == T0 + DAY
    assert not conversation.messages.filter(is_spam=True).exists()


def test_m2_messages_of_a_blocked_sender_do_not_count():
    buyer = person()
    User.objects.filter(pk=buyer.pk).update(is_active=False)
    buyer.refresh_from_db()
    conversation = started_at(T0, buyer=buyer)
    assert conversation.answer_due_at is None and not FirstResponse.objects.exists()


def test_m2_a_sender_blocked_after_writing_does_not_block_the_seller():
    conversation = started_at(T0)
    User.objects.filter(pk=conversation.buyer_id).update(is_active=False)
    assert sweep(T0 + DAY + S) == 1
    assert not blocked(conversation.seller)
    assert FirstResponse.objects.get().voided
    conversation.refresh_from_db()
    assert conversation.answer_due_at is None and conversation.blocked_at is None


def test_m2_the_block_keeps_the_kworks_out_of_ordering_and_the_catalogue_but_not_paused():
    conversation = started_at(T0)
    sweep(T0 + DAY + S)
    kwork = Kwork.objects.filter(seller=conversation.seller).get()
    assert kwork.status == Kwork.Status.ACTIVE and not kwork.is_listed and not kwork.is_orderable_by(person())


def test_m2_a_kwork_approved_while_its_seller_is_blocked_starts_blocked():
    """The block covers all the seller's Kworks, also one a moderator approves while the answer is still owed."""
    conversation = started_at(T0)
    sweep(T0 + DAY + S)
    waiting = KworkFactory(
        seller=conversation.seller, status=Kwork.Status.MODERATION, approved_at=None, review_requested_at=T0
    )
    marketplace_services.kwork_approve(kwork=waiting, moderator=in_group(person(), "Moderators"))
    waiting.refresh_from_db()
    assert waiting.answer_blocked and not waiting.is_listed and blocked(conversation.seller)
    with time_machine.travel(T0 + 2 * DAY, tick=False):
        services.message_send(conversation=conversation, author=conversation.seller, text="Sorry for the wait")
    waiting.refresh_from_db()
    assert not waiting.answer_blocked and waiting.is_listed


def test_r10_response_figures_for_the_ratings_app():
    seller = seller_with_kwork()
    answered_fast = started_at(T0, seller=seller)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.message_send(conversation=answered_fast, author=seller, text="Fast")
    answered_late = started_at(T0, seller=seller)
    with time_machine.travel(T0 + DAY + timedelta(hours=3), tick=False):
        services.message_send(conversation=answered_late, author=seller, text="Late")
    started_at(T0 + timedelta(days=3), seller=seller)  # still waiting, deadline not passed: not counted yet
    figures = selectors.seller_response_figures(seller_ids=[seller.pk], now=T0 + timedelta(days=3, hours=1))
    rate, median_seconds = figures[seller.pk]
    assert rate == 50.0
    assert median_seconds == int((timedelta(hours=1) + DAY + timedelta(hours=3)).total_seconds() / 2)
    never = selectors.seller_response_figures(seller_ids=[seller.pk], now=T0 + timedelta(days=5))
    assert never[seller.pk][0] == pytest.approx(33.3)


def test_r10_the_sellers_response_figures_follow_each_answer(django_capture_on_commit_callbacks):
    """Answering a buyer's new message recomputes the seller's figures on commit (ratings listens to messaging)."""
    seller = seller_with_kwork()
    conversation = started_at(T0, seller=seller)
    with (
        time_machine.travel(T0 + timedelta(hours=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.message_send(conversation=conversation, author=seller, text="Happy to help")
    stats = SellerStats.objects.get(seller=seller)
    assert stats.response_rate_percent == 100.0
    assert stats.first_response_median_seconds == int(timedelta(hours=2).total_seconds())


def test_m2_the_sweep_works_in_batches():
    sellers = [seller_with_kwork() for _ in range(5)]
    for seller in sellers:
        started_at(T0, seller=seller)
    with time_machine.travel(T0 + DAY + S, tick=False):
        assert services.answer_deadline_sweep(batch_size=2) == 5
    assert all(blocked(s) for s in sellers)
    assert Conversation.objects.filter(blocked_at__isnull=False).count() == 5


def test_m2_a_sender_blocked_by_a_t1_penalty_after_writing_does_not_block_the_seller():
    conversation = started_at(T0)
    User.objects.filter(pk=conversation.buyer_id).update(blocked_until=T0 + timedelta(days=30))
    assert sweep(T0 + DAY + S) == 1
    assert not blocked(conversation.seller)
    assert FirstResponse.objects.get().voided
