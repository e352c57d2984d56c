"""The inbox: conversations between a buyer and a seller outside orders (M1), their messages with attachments
(M5), the M2 answer deadline and the first-response records the reputation figures read (R10)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from common.storage import PrivateStorage, random_name

from . import rules

message_files = PrivateStorage(url_name="messaging:file")


class Conversation(models.Model):
    """One per buyer and seller. Counters are per party, so the inbox shows unread counts without counting
    messages; `answer_due_at` is the M2 deadline the sweep scans (partial index: only conversations waiting)."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_message = models.ForeignKey("Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_message_at = models.DateTimeField(null=True, blank=True)
    buyer_unread = models.PositiveIntegerField(default=0)
    seller_unread = models.PositiveIntegerField(default=0)
    # A11 batching: when each party was last notified of this conversation.
    buyer_notified_at = models.DateTimeField(null=True, blank=True)
    seller_notified_at = models.DateTimeField(null=True, blank=True)

    # M2: the seller owes an answer to `awaiting_message` by `answer_due_at`; reminders at `reminder_due_at`.
    awaiting_message = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer_due_at = models.DateTimeField(null=True, blank=True)
    reminder_due_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    # Set by the sweep when the deadline passed: this conversation keeps the seller's Kworks blocked.
    blocked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["buyer", "seller"], name="one_conversation_per_pair")]
        indexes = [
            models.Index(fields=["buyer", "-last_message_at"], name="conversation_buyer_inbox"),
            models.Index(fields=["seller", "-last_message_at"], name="conversation_seller_inbox"),
            models.Index(
                fields=["answer_due_at"],
                condition=models.Q(answer_due_at__isnull=False),
                name="conversation_m2_due",
            ),
            models.Index(
                fields=["reminder_due_at"],
                condition=models.Q(reminder_due_at__isnull=False),
                name="conversation_m2_reminder",
            ),
            models.Index(
                fields=["seller"], condition=models.Q(blocked_at__isnull=False), name="conversation_m2_blocked"
            ),
        ]

    def __str__(self):
        return f"Conversation {self.pk}"

    def party_of(self, user):
        if user is None:
            return None
        if user.pk == self.buyer_id:
            return "buyer"
        if user.pk == self.seller_id:
            return "seller"
        return None

    def other_party(self, user):
        return self.seller if user.pk == self.buyer_id else self.buyer

    def unread_for(self, user):
        return self.buyer_unread if user.pk == self.buyer_id else self.seller_unread


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=rules.MESSAGE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # M2/T2: a staff member marked it as spam; it does not count for the answer deadline.
    is_spam = models.BooleanField(default=False)
    spam_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    spam_marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"], name="message_thread")]

    def __str__(self):
        return f"Message {self.pk}"


def _attachment_path(instance, filename):
    return random_name(f"messages/{instance.message.conversation_id}", filename)


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, storage=message_files)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()

    def __str__(self):
        return self.name


class FirstResponse(models.Model):
    """M2 / R10: one row per new message a seller had to answer: when it was asked, the deadline, and when (and
    how fast) the seller answered. Spam-marked or blocked-sender messages leave no row (or it is voided)."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="first_responses")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="first_response")
    asked_at = models.DateTimeField()
    due_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    seconds = models.PositiveIntegerField(null=True, blank=True)
    voided = models.BooleanField(default=False, help_text="The message was marked as spam.")

    class Meta:
        indexes = [models.Index(fields=["seller", "asked_at"], name="first_response_seller")]

    def __str__(self):
        return f"First response {self.pk}"

    @property
    def on_time(self):
        return self.answered_at is not None and self.answered_at <= self.due_at
