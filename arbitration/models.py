"""The back office's records (DESIGN "Arbitration").

Disputes (O12): one per order, opened by a party when the order goes to arbitration; both parties' statements
with their evidence files (private, SHA-256 of the content kept when filed), each party's current split
proposal, the agent who took the case, and the final outcome (stored with who lost, for ratings R3/O11)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from common.storage import PrivateStorage, random_name

# url_name lets the download view check the dispute before looking for the file.
dispute_files = PrivateStorage(url_name="disputes:file")


class Side(models.TextChoices):
    BUYER = "buyer", "Buyer"
    SELLER = "seller", "Seller"


class Outcome(models.TextChoices):
    SELLER = "seller", "All to the seller"
    REFUND = "refund", "Full refund to the buyer"
    SPLIT = "split", "Split"


class Dispute(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Waiting for support"
        DECIDED = "decided", "Decided by support"
        SETTLED = "settled", "Settled by agreement"

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="dispute")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opener_side = models.CharField(max_length=8, choices=Side.choices)
    # What the opener asks for; the amount is the buyer's refund in cents (0 = all to the seller).
    asked_outcome = models.CharField(max_length=8, choices=Outcome.choices)
    asked_refund_cents = models.BigIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    answer_by = models.DateTimeField(help_text="The other party may answer until then.")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    # The outcome, once decided or settled.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=8, blank=True, choices=Outcome.choices)
    refund_cents = models.BigIntegerField(null=True, blank=True)
    reasoning = models.TextField(blank=True)
    # Who lost, as ratings reads it: the seller whenever the buyer gets money back, else the buyer.
    loser = models.CharField(max_length=8, blank=True, choices=Side.choices)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at", "id"], name="dispute_queue")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(asked_refund_cents__gte=0), name="dispute_asked_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(refund_cents__isnull=False, decided_at__isnull=False),
                name="dispute_closed_has_outcome",
            ),
        ]

    def __str__(self):
        return f"Dispute on order #{self.order_id}"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN


class DisputeStatement(models.Model):
    """The opener's account of what went wrong, and the other party's answer (one each)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="statements")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=8, choices=Side.choices)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["dispute", "side"], name="dispute_one_statement_per_side")]

    def __str__(self):
        return f"{self.get_side_display()} statement on {self.dispute}"


def _evidence_path(instance, filename):
    return random_name(f"disputes/{instance.statement.dispute_id}", filename)


class DisputeFile(models.Model):
    statement = models.ForeignKey(DisputeStatement, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=_evidence_path, storage=dispute_files)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class DisputeProposal(models.Model):
    """A party's current proposal: the buyer's refund in cents. Equal proposals of both sides settle the case."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=8, choices=Side.choices)
    refund_cents = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "side"], name="dispute_one_proposal_per_side"),
            models.CheckConstraint(condition=models.Q(refund_cents__gte=0), name="dispute_proposal_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_side_display()} proposes {self.refund_cents} on {self.dispute}"


# --- support tickets (T3) ---------------------------------------------------------------------------------

# Attachments are private (C6): the ticket's download view checks who asks.
ticket_files = PrivateStorage(url_name="tickets:file")


def _ticket_file_path(instance, filename):
    return random_name(f"tickets/{instance.message.ticket_id}", filename)


class Ticket(models.Model):
    """A user's question to Support (T3): a conversation with staff, with staff-only notes. `auto_close_at` is
    the indexed deadline of the beat job: a ticket waiting for the user or resolved closes by itself then."""

    class Topic(models.TextChoices):
        ORDER = "order", "An order"
        PAYMENTS = "payments", "Payments and withdrawals"
        ACCOUNT = "account", "My account"
        KWORKS = "kworks", "Kworks and moderation"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WAITING = "waiting", "Waiting for the user"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class CloseReason(models.TextChoices):
        RESOLVED = "resolved", "Resolved"
        INACTIVE = "inactive", "No answer"
        DUPLICATE = "duplicate", "Duplicate"
        ABUSIVE = "abusive", "Abusive"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tickets")
    order = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    topic = models.CharField(max_length=10, choices=Topic.choices)
    subject = models.CharField(max_length=150)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    close_reason = models.CharField(max_length=10, choices=CloseReason.choices, blank=True)
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    first_answer_due = models.DateTimeField()
    first_answered_at = models.DateTimeField(null=True, blank=True)
    last_staff_author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    auto_close_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="ticket_queue"),
            models.Index(fields=["user", "-updated_at"], name="ticket_user"),
            models.Index(
                fields=["auto_close_at"], condition=models.Q(auto_close_at__isnull=False), name="ticket_due"
            ),
        ]

    def __str__(self):
        return f"Ticket #{self.pk}: {self.subject}"


class TicketMessage(models.Model):
    """One message of a ticket. `internal` ones are staff notes the user never sees."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_staff = models.BooleanField(default=False)
    internal = models.BooleanField(default=False)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketmessage_thread")]

    def __str__(self):
        return f"Message #{self.pk} on ticket #{self.ticket_id}"


class TicketAttachment(models.Model):
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_ticket_file_path, storage=ticket_files)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name
