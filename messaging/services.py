"""Every write of the inbox: starting a conversation (M1), sending (M3, M5, A11), reading, spam marks, and the
M2 answer deadline with its reminders and sweep. Each service takes `now=None` so tests and the browser journey
can move the clock."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from accounts.penalties import auto_penalty_for_message
from accounts.roles import is_support
from accounts.rules import NotificationKind
from common.errors import DomainError
from common.uploads import validate_attachment
from marketplace.models import Kwork
from marketplace.services.visibility import sellers_answer_block_set

from . import rules
from .models import Conversation, FirstResponse, Message, MessageAttachment
from .signals import seller_responses_changed

SELLER_FIRST = "A seller cannot write first: the buyer starts the conversation, and you can answer it then."
NO_ACTIVE_KWORK = "You can write only to a seller who has an active Kwork."


def _now(now):
    return now or timezone.now()


def preview(text):
    limit = rules.PREVIEW_LENGTH
    return (text[:limit] + "…") if len(text) > limit else text


def sender_counts(user):
    """M2: messages of a blocked sender do not count (a deactivated account, or a block set by T1 penalties)."""
    return bool(user.is_active) and not getattr(user, "is_blocked", False)


def conversation_refusal(*, buyer, seller):
    """M1: why `buyer` may not start a conversation with `seller`, or None."""
    if buyer is None or not getattr(buyer, "is_authenticated", False):
        return "Log in to write to the seller."
    if buyer.pk == seller.pk:
        return "You cannot write to yourself."
    if Kwork.objects.filter(seller=seller, status=Kwork.Status.ACTIVE).exists():
        return None
    if Kwork.objects.filter(seller=buyer, status=Kwork.Status.ACTIVE).exists():
        return SELLER_FIRST  # the writer sells and the other person does not: a seller writing first
    return NO_ACTIVE_KWORK


def _check_message(text, files, *, author, evidence_url=""):
    text = (text or "").strip()
    files = [f for f in (files or ()) if f]
    if not text and not files:
        raise DomainError("Write a message or attach a file.", field="text")
    if len(text) > rules.MESSAGE_MAX_LENGTH:
        raise DomainError(
            f"The message is too long: at most {rules.MESSAGE_MAX_LENGTH:,} characters.", field="text"
        )
    # M3, M4: contact details (no exception outside orders), payment offered outside the site, profanity: refused,
    # with a warning the first time and a block on a repeat (committed although the message is not sent).
    auto_penalty_for_message(author=author, text=text, evidence_url=evidence_url)
    if len(files) > rules.MAX_FILES_PER_MESSAGE:
        raise DomainError(f"You can attach at most {rules.MAX_FILES_PER_MESSAGE} files at once.", field="files")
    for upload in files:
        try:
            validate_attachment(upload)  # M5 / C6: type by content, at most 4 MB
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), field="files") from exc
    return text, files


def conversation_start(*, buyer, seller, text, files=(), now=None):
    """M1: the buyer's first message to a seller with an active Kwork. Returns the message; when the two already
    have a conversation the message joins it."""
    refusal = conversation_refusal(buyer=buyer, seller=seller)
    if refusal:
        raise DomainError(refusal)
    _check_message(text, files, author=buyer)
    with transaction.atomic():
        conversation, _ = Conversation.objects.get_or_create(buyer=buyer, seller=seller)
        return message_send(conversation=conversation, author=buyer, text=text, files=files, now=now)


def _next_reminder(due_at, sent):
    """The time of reminder number `sent` (0-based) before the deadline `due_at`, or None after the last."""
    hours = rules.ANSWER_REMINDER_HOURS_BEFORE
    return due_at - timedelta(hours=hours[sent]) if sent < len(hours) else None


def _unblock_if_clear(seller_id, *, at):
    """The seller answered: their Kworks come back at once unless another conversation still blocks them."""
    if not Conversation.objects.filter(seller_id=seller_id, blocked_at__isnull=False).exists():
        sellers_answer_block_set(seller_ids=[seller_id], blocked=False, now=at)


def _clear_deadline(conversation):
    conversation.awaiting_message = None
    conversation.answer_due_at = conversation.reminder_due_at = conversation.blocked_at = None
    conversation.reminders_sent = 0


def message_send(*, conversation, author, text, files=(), now=None):
    """M1/M3/M5: a message in a conversation. Starts the M2 clock when the buyer's message is new, stops it
    (and lifts the block) when the seller answers, and notifies the other party (A11, batched)."""
    text, files = _check_message(
        text, files, author=author, evidence_url=reverse("messaging:conversation", args=[conversation.pk])
    )
    at = _now(now)
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("buyer", "seller")
            .get(pk=conversation.pk)
        )
        party = conversation.party_of(author)
        if party is None:
            raise DomainError("Only the two people of this conversation can write here.")
        if party == "seller" and conversation.last_message_id is None:
            raise DomainError(SELLER_FIRST)
        previous_at = conversation.last_message_at
        message = Message.objects.create(conversation=conversation, author=author, text=text, created_at=at)
        for upload in files:
            MessageAttachment.objects.create(
                message=message, file=upload, name=upload.name[:200], size=upload.size
            )

        fields = ["last_message", "last_message_at"]
        conversation.last_message, conversation.last_message_at = message, at
        was_blocking = conversation.blocked_at is not None
        if party == "buyer":
            is_new = previous_at is None or at - previous_at > timedelta(days=rules.NEW_MESSAGE_GAP_DAYS)
            waiting = conversation.answer_due_at is not None or was_blocking
            if is_new and not waiting and sender_counts(author):
                due = at + timedelta(hours=rules.ANSWER_HOURS)
                conversation.awaiting_message, conversation.answer_due_at = message, due
                conversation.reminder_due_at, conversation.reminders_sent = _next_reminder(due, 0), 0
                fields += ["awaiting_message", "answer_due_at", "reminder_due_at", "reminders_sent"]
                FirstResponse.objects.create(
                    seller_id=conversation.seller_id,
                    conversation=conversation,
                    message=message,
                    asked_at=at,
                    due_at=due,
                )
        elif conversation.awaiting_message_id is not None:
            asked = FirstResponse.objects.filter(
                message_id=conversation.awaiting_message_id, answered_at__isnull=True
            )
            for record in asked:
                record.answered_at, record.seconds = at, max(0, int((at - record.asked_at).total_seconds()))
                record.save(update_fields=["answered_at", "seconds"])
            seller_responses_changed.send(sender=Message, seller_ids=[conversation.seller_id])
            _clear_deadline(conversation)
            fields += ["awaiting_message", "answer_due_at", "reminder_due_at", "reminders_sent", "blocked_at"]

        recipient = conversation.other_party(author)
        side = "seller" if party == "buyer" else "buyer"
        unread_before = getattr(conversation, f"{side}_unread")
        notified_at = getattr(conversation, f"{side}_notified_at")
        setattr(conversation, f"{side}_unread", unread_before + 1)
        fields.append(f"{side}_unread")
        quiet = timedelta(minutes=rules.NOTIFY_BATCH_MINUTES)
        if unread_before == 0 or notified_at is None or at - notified_at >= quiet:
            setattr(conversation, f"{side}_notified_at", at)
            fields.append(f"{side}_notified_at")
            account_services.notification_send(
                user=recipient,
                kind=NotificationKind.NEW_MESSAGE,
                title=f"New message from {author.username}",
                body=preview(text) if text else "A file was attached.",
                url=reverse("messaging:conversation", args=[conversation.pk]),
            )
        conversation.save(update_fields=fields)
        if party == "seller" and was_blocking:
            _unblock_if_clear(conversation.seller_id, at=at)
    return message


def conversation_mark_read(*, conversation, user):
    """The party opened the thread: their unread count goes to zero (one UPDATE, only when needed)."""
    party = conversation.party_of(user)
    if party is None:
        return 0
    field = f"{party}_unread"
    return Conversation.objects.filter(pk=conversation.pk, **{f"{field}__gt": 0}).update(**{field: 0})


def message_spam_mark(*, message, staff, spam=True, now=None):
    """T2/M2: Support marks a message as spam (or takes the mark back). A spam message the seller was waiting to
    answer no longer counts: the deadline goes, its first-response record is voided, and a block it caused lifts."""
    if not is_support(staff):
        raise DomainError("Only support staff can mark messages as spam.")
    at = _now(now)
    with transaction.atomic():
        message = Message.objects.select_related("conversation").get(pk=message.pk)
        conversation = Conversation.objects.select_for_update().get(pk=message.conversation_id)
        message = Message.objects.get(pk=message.pk)
        if message.is_spam == spam:
            raise DomainError("This message is already marked as spam." if spam else "This message is not spam.")
        message.is_spam = spam
        message.spam_marked_by, message.spam_marked_at = (staff, at) if spam else (None, None)
        message.save(update_fields=["is_spam", "spam_marked_by", "spam_marked_at"])
        if spam:
            FirstResponse.objects.filter(message=message).update(voided=True)
            # T2: a warning the first time, a block on a repeat; waits in the review queue
            auto_penalty_for_message(
                author=message.author,
                text=message.text,
                spam=True,
                evidence_url=reverse("messaging:conversation", args=[conversation.pk]),
                now=at,
            )
            if conversation.awaiting_message_id == message.pk:
                was_blocking = conversation.blocked_at is not None
                _clear_deadline(conversation)
                conversation.save(
                    update_fields=[
                        "awaiting_message",
                        "answer_due_at",
                        "reminder_due_at",
                        "reminders_sent",
                        "blocked_at",
                    ]
                )
                if was_blocking:
                    _unblock_if_clear(conversation.seller_id, at=at)
        else:
            FirstResponse.objects.filter(message=message).update(voided=False)
    return message


def _due_batch(field, at, batch_size):
    return list(
        Conversation.objects.select_for_update(skip_locked=True)
        .filter(**{f"{field}__lte": at})
        .order_by(field)
        .only(
            "pk",
            "seller_id",
            "buyer_id",
            "awaiting_message_id",
            "answer_due_at",
            "reminder_due_at",
            "reminders_sent",
        )[:batch_size]
    )


def answer_deadline_sweep(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE):
    """M2 beat job: conversations whose answer deadline passed block all the seller's Kworks. Scans the partial
    index on `answer_due_at` in SKIP LOCKED batches, so two sweeps never take the same conversation, and the
    seller's block is a conditional UPDATE, so two sweeps at once block (and notify) a seller once. A message
    whose sender has been blocked since does not count. Returns the number of conversations settled."""
    at = _now(now)
    settled = 0
    while True:
        with transaction.atomic():
            batch = _due_batch("answer_due_at", at, batch_size)
            if not batch:
                break
            authors = dict(
                Message.objects.filter(pk__in=[c.awaiting_message_id for c in batch]).values_list(
                    "pk", "author_id"
                )
            )
            counting = {
                user.pk for user in User.objects.filter(pk__in=set(authors.values())) if sender_counts(user)
            }
            blocked, voided = [], []  # a message of a sender blocked since does not count: voided
            for conversation in batch:
                counts = authors.get(conversation.awaiting_message_id) in counting
                (blocked if counts else voided).append(conversation)
            # Two plain UPDATEs (the values are the same for every row of each kind), not a CASE per row.
            Conversation.objects.filter(pk__in=[c.pk for c in blocked]).update(
                blocked_at=at, answer_due_at=None, reminder_due_at=None
            )
            Conversation.objects.filter(pk__in=[c.pk for c in voided]).update(
                awaiting_message=None, answer_due_at=None, reminder_due_at=None
            )
            FirstResponse.objects.filter(message_id__in=[c.awaiting_message_id for c in voided]).update(
                voided=True
            )
            newly = sellers_answer_block_set(seller_ids=[c.seller_id for c in blocked], blocked=True, now=at)
            seller_responses_changed.send(sender=Message, seller_ids=[c.seller_id for c in blocked])
            if newly:
                account_services.notifications_send_many(
                    notifications=[
                        {
                            "user": seller,
                            "kind": NotificationKind.NEW_MESSAGE,
                            "title": "Your Kworks are blocked until you answer a buyer",
                            "body": (
                                f"A buyer's message waited more than {rules.ANSWER_HOURS} hours for an answer. Your "
                                "Kworks are out of the catalogue and cannot be ordered; they come back as soon as "
                                "you reply."
                            ),
                            "url": reverse("messaging:inbox"),
                        }
                        for seller in User.objects.filter(pk__in=newly)
                    ]
                )
            settled += len(batch)
        if len(batch) < batch_size:
            break
    return settled


def answer_reminders_sweep(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE):
    """M2 beat job: remind the seller before the answer deadline, at each of ANSWER_REMINDER_HOURS_BEFORE."""
    at = _now(now)
    sent = 0
    while True:
        with transaction.atomic():
            batch = _due_batch("reminder_due_at", at, batch_size)
            if not batch:
                break
            notes = []
            for conversation in batch:
                # Skip reminders already overtaken (a sweep that ran late sends only the latest one).
                while True:
                    conversation.reminders_sent += 1
                    following = _next_reminder(conversation.answer_due_at, conversation.reminders_sent)
                    if following is None or following > at:
                        break
                conversation.reminder_due_at = following
                left = conversation.answer_due_at - at
                hours = max(1, round(left.total_seconds() / 3600))
                notes.append(
                    {
                        "user_id": conversation.seller_id,
                        "kind": NotificationKind.NEW_MESSAGE,
                        "title": f"Answer your buyer within {hours} hour{'s' if hours != 1 else ''}",
                        "body": "If the message stays unanswered, your Kworks are blocked until you reply.",
                        "url": reverse("messaging:conversation", args=[conversation.pk]),
                    }
                )
            Conversation.objects.bulk_update(batch, ["reminders_sent", "reminder_due_at"])
            users = User.objects.in_bulk([n["user_id"] for n in notes])
            account_services.notifications_send_many(
                notifications=[
                    {**{k: v for k, v in n.items() if k != "user_id"}, "user": users[n["user_id"]]} for n in notes
                ]
            )
            sent += len(batch)
        if len(batch) < batch_size:
            break
    return sent
