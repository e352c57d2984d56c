"""Orders: the order and its state machine (django-fsm-2), its lines, history, deliveries, cancellation
requests and chat (SPEC O1–O10, O13, O14, M3, M5; DESIGN "Orders").

A transition only changes fields of its own row: it sends nothing and moves no money. `orders.services` is the
only caller of transitions (the status field is protected), and writes the history, the ledger and the
notifications around them.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from common.storage import PrivateStorage, random_name

from . import rules
from .links import order_url


class Order(ConcurrentTransitionMixin, models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New (waiting for the seller)"
        IN_PROGRESS = "in_progress", "In progress"
        DELIVERED = "delivered", "Delivered (waiting for review)"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        IN_ARBITRATION = "in_arbitration", "In arbitration"

    class Party(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SELLER = "seller", "Seller"
        SYSTEM = "system", "Automatically"
        STAFF = "staff", "Support"

    ACTIVE_STATES = (Status.NEW, Status.IN_PROGRESS, Status.DELIVERED, Status.IN_ARBITRATION)
    FINISHED_STATES = (Status.COMPLETED, Status.CANCELLED)

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders_bought")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders_sold")
    kwork = models.ForeignKey("marketplace.Kwork", on_delete=models.PROTECT, related_name="orders")
    title = models.CharField(max_length=200)
    quantity = models.PositiveSmallIntegerField(default=1)
    package_tier = models.CharField(max_length=12, blank=True)
    unit_price_cents = models.BigIntegerField()
    total_cents = models.BigIntegerField()
    lead_time_days = models.PositiveSmallIntegerField()
    escrow_hold = models.OneToOneField(
        "payments.EscrowHold", on_delete=models.PROTECT, null=True, blank=True, related_name="order"
    )
    status = FSMField(default=Status.NEW, choices=Status.choices, protected=True, max_length=16)

    # Deadlines (indexed below, each sweep is a range scan).
    accept_by = models.DateTimeField(
        help_text="The seller must start work before this, or the order is cancelled."
    )
    due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the work is due: the start plus the lead time."
    )
    review_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="If the buyer neither accepts nor sends the work back by then, the order completes.",
    )
    last_activity_at = models.DateTimeField(
        default=timezone.now, help_text="The last step by either side; a long silence cancels the order."
    )
    overdue_at = models.DateTimeField(null=True, blank=True, help_text="When it became late.")

    # Facts of the order's life (O11/O12 and ratings read them).
    placed_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    auto_completed = models.BooleanField(default=False)
    requirements = models.TextField(blank=True, max_length=rules.REQUIREMENTS_MAX_LENGTH)
    requirements_sent_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=40, blank=True, choices=rules.CANCEL_REASON_CHOICES)
    cancel_comment = models.TextField(blank=True)
    cancelled_by = models.CharField(max_length=8, blank=True, choices=Party.choices)
    counts_against_seller = models.BooleanField(default=False)
    auto_cancelled = models.BooleanField(default=False)
    was_overdue = models.BooleanField(default=False, help_text="It was late at some point.")
    revision_count = models.PositiveSmallIntegerField(default=0)
    arbitration_opened_at = models.DateTimeField(null=True, blank=True)
    # C14: may the seller publish the result? None = never asked (auto-completion, arbitration): the buyer may
    # still allow it from the order page. Revocable for PORTFOLIO_REVOKE_DAYS after it was given.
    portfolio_consent = models.BooleanField(null=True, blank=True)
    portfolio_consent_at = models.DateTimeField(null=True, blank=True)
    # O1: the "Order now" form's one-time key, so a double click places one order (unique per buyer when set).
    placement_key = models.CharField(max_length=64, blank=True, default="", editable=False)
    # O12: the Kwork as it was when ordered (title, description, volume, price, lead time, options), for the case file.
    kwork_snapshot = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["buyer", "status", "-placed_at"], name="order_buyer_status"),
            models.Index(fields=["seller", "status", "-placed_at"], name="order_seller_status"),
            # "Manage orders": a page of a person's orders, newest first, read in index order (keyset).
            models.Index(fields=["buyer", "-placed_at", "-id"], name="order_buyer_placed"),
            models.Index(fields=["seller", "-placed_at", "-id"], name="order_seller_placed"),
            # The "Active" tab: a person's open orders, newest first, however many finished ones are newer.
            models.Index(
                fields=["buyer", "-placed_at", "-id"],
                condition=models.Q(status__in=["new", "in_progress", "delivered", "in_arbitration"]),
                name="order_buyer_active_placed",
            ),
            models.Index(
                fields=["seller", "-placed_at", "-id"],
                condition=models.Q(status__in=["new", "in_progress", "delivered", "in_arbitration"]),
                name="order_seller_active_placed",
            ),
            models.Index(fields=["accept_by", "id"], condition=models.Q(status="new"), name="order_new_accept_by"),
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(status="in_progress", overdue_at__isnull=True),
                name="order_progress_due_at",
            ),
            models.Index(
                fields=["last_activity_at", "id"],
                condition=models.Q(status="in_progress"),
                name="order_progress_activity",
            ),
            models.Index(
                fields=["review_until", "id"],
                condition=models.Q(status="delivered"),
                name="order_delivered_review",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(total_cents__gt=0), name="order_total_positive"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="order_quantity_min"),
            models.CheckConstraint(
                condition=~models.Q(buyer=models.F("seller")), name="order_buyer_is_not_seller"
            ),
            models.CheckConstraint(
                condition=models.Q(status="new")
                | models.Q(started_at__isnull=False)
                | models.Q(status="cancelled"),
                name="order_started_unless_new_or_cancelled",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="in_progress") | models.Q(due_at__isnull=False),
                name="order_in_progress_has_due",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="delivered") | models.Q(review_until__isnull=False),
                name="order_delivered_has_review_until",
            ),
            models.UniqueConstraint(
                fields=["buyer", "placement_key"],
                condition=~models.Q(placement_key=""),
                name="order_placement_key_once",
            ),
        ]

    def __str__(self):
        return f"Order #{self.pk}: {self.title}"

    def get_absolute_url(self):
        return order_url(self.pk)

    @property
    def reference(self):
        """The payments reference of this order's escrow (the balance statement links it here)."""
        return f"order:{self.pk}"

    # --- small properties ---------------------------------------------------------------------------------

    @property
    def is_active(self):
        return self.status in self.ACTIVE_STATES

    @property
    def is_overdue(self):
        """O5: in progress and past its due time (also before the sweep has marked it)."""
        if self.status != self.Status.IN_PROGRESS or self.due_at is None:
            return False
        return self.overdue_at is not None or timezone.now() >= self.due_at

    @property
    def current_deadline(self):
        """The deadline that matters in this state (for countdowns), or None."""
        return {
            self.Status.NEW: self.accept_by,
            self.Status.IN_PROGRESS: self.due_at,
            self.Status.DELIVERED: self.review_until,
        }.get(self.status)

    @property
    def time_left(self):
        """Time to the current deadline (a timedelta, never negative), or None."""
        deadline = self.current_deadline
        if deadline is None:
            return None
        return max(deadline - timezone.now(), timedelta(0))

    @property
    def quick_cancel_until(self):
        return self.placed_at + timedelta(minutes=rules.QUICK_CANCEL_MINUTES)

    @property
    def buyer_can_quick_cancel(self):
        """O2: within QUICK_CANCEL_MINUTES of paying, while the seller has not started."""
        return self.status == self.Status.NEW and timezone.now() < self.quick_cancel_until

    @property
    def cancel_reason_label(self):
        return rules.reason_label(self.cancel_reason) if self.cancel_reason else ""

    def party_of(self, user):
        """ "buyer", "seller" or None."""
        if user is None:
            return None
        if user.pk == self.buyer_id:
            return rules.BUYER
        if user.pk == self.seller_id:
            return rules.SELLER
        return None

    def other_party(self, user):
        return self.seller if user.pk == self.buyer_id else self.buyer

    # --- transitions: only this row's fields --------------------------------------------------------------

    @transition(field=status, source=Status.NEW, target=Status.IN_PROGRESS)
    def start(self, *, now):
        self.started_at = now
        self.due_at = now + timedelta(days=self.lead_time_days)
        self.last_activity_at = now

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.DELIVERED)
    def deliver(self, *, now):
        self.delivered_at = now
        self.review_until = now + timedelta(days=rules.REVIEW_DAYS)
        self.last_activity_at = now

    @transition(field=status, source=Status.DELIVERED, target=Status.IN_PROGRESS)
    def request_revision(self, *, now):
        self.revision_count += 1
        self.review_until = None
        self.overdue_at = None
        self.due_at = max(self.due_at, now + timedelta(hours=rules.REVISION_MIN_HOURS))
        self.last_activity_at = now

    @transition(field=status, source=[Status.DELIVERED, Status.IN_ARBITRATION], target=Status.COMPLETED)
    def complete(self, *, now, auto=False):
        self.completed_at = now
        self.auto_completed = auto
        self.last_activity_at = now

    @transition(
        field=status,
        source=[Status.NEW, Status.IN_PROGRESS, Status.DELIVERED, Status.IN_ARBITRATION],
        target=Status.CANCELLED,
    )
    def cancel(self, *, now, by, reason, counts_against_seller, auto=False, comment=""):
        self.cancelled_at = now
        self.cancelled_by = by
        self.cancel_reason = reason
        self.cancel_comment = comment
        self.counts_against_seller = counts_against_seller
        self.auto_cancelled = auto
        self.last_activity_at = now

    @transition(field=status, source=[Status.IN_PROGRESS, Status.DELIVERED], target=Status.IN_ARBITRATION)
    def open_arbitration(self, *, now):
        """O12 (the arbitration app calls it through a service)."""
        self.arbitration_opened_at = now
        self.last_activity_at = now


class OrderLine(models.Model):
    """A line of the price (C5) as quoted at placement: the unit or package × quantity, and each option."""

    class Kind(models.TextChoices):
        UNIT = "unit", "Kwork"
        PACKAGE = "package", "Package"
        OPTION = "option", "Option"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(max_length=200)
    unit_price_cents = models.BigIntegerField()
    quantity = models.PositiveSmallIntegerField(default=1)
    amount_cents = models.BigIntegerField()
    option_id = models.BigIntegerField(null=True, blank=True)
    package_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.title} × {self.quantity}"


class OrderEvent(models.Model):
    """O14: every change of an order — who (null = the system), when, from, to, what and why."""

    class Kind(models.TextChoices):
        PLACED = "placed", "Order placed and paid"
        REQUIREMENTS = "requirements", "Requirements sent"
        STARTED = "started", "Work started"
        OVERDUE = "overdue", "Overdue"
        DELIVERED = "delivered", "Work delivered"
        REVISION = "revision", "Revision requested"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        CANCEL_REQUESTED = "cancel_requested", "Cancellation requested"
        CANCEL_DECLINED = "cancel_declined", "Cancellation declined"
        CANCEL_WITHDRAWN = "cancel_withdrawn", "Cancellation request withdrawn"
        ARBITRATION = "arbitration", "Sent to arbitration"
        PORTFOLIO = "portfolio", "Portfolio"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=16, blank=True, choices=Order.Status.choices)
    to_status = models.CharField(max_length=16, blank=True, choices=Order.Status.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_system(self):
        return self.actor_id is None


# Requirements, chat attachments and deliveries are private: outside MEDIA_ROOT, under random names, fetched
# only through orders/downloads.py (the buyer, the seller, Support during arbitration). The order id in the
# name lets the download view check the order before looking for the file.
order_files = PrivateStorage(url_name="orders:file")


def _delivery_file_path(instance, filename):
    return random_name(f"orders/{instance.delivery.order_id}", filename)


def _attachment_path(instance, filename):
    return random_name(f"orders/{instance.message.order_id}", filename)


def _order_file_path(instance, filename):
    """The old dated path; kept only because migration 0001 refers to it."""
    return f"orders/{timezone.now():%Y/%m}/{filename}"


class Delivery(models.Model):
    """O6: a result submitted by the seller; a revision request (O7) is recorded on it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="deliveries")
    message = models.TextField(max_length=rules.DELIVERY_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    revision_requested_at = models.DateTimeField(null=True, blank=True)
    revision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"Delivery {self.pk} of order {self.order_id}"


class DeliveryFile(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=_delivery_file_path, storage=order_files)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()

    def __str__(self):
        return self.name


class CancellationRequest(models.Model):
    """O9/O10: a cancellation one side asks for and the other confirms (or it is confirmed after 2 days)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        AUTO_CONFIRMED = "auto_confirmed", "Confirmed automatically"
        WITHDRAWN = "withdrawn", "Withdrawn"
        LAPSED = "lapsed", "Closed: the order moved on"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="cancellation_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=8, choices=[(rules.BUYER, "Buyer"), (rules.SELLER, "Seller")])
    reason = models.CharField(max_length=40, choices=rules.CANCEL_REASON_CHOICES)
    comment = models.TextField(blank=True, max_length=rules.REASON_MAX_LENGTH)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    respond_by = models.DateTimeField()
    counts_against_seller = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["respond_by", "id"], condition=models.Q(status="pending"), name="cancelreq_pending_due"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(status="pending"), name="cancelreq_one_pending_per_order"
            ),
        ]

    def __str__(self):
        return f"Cancellation of order {self.order_id} ({self.get_status_display()})"

    @property
    def reason_label(self):
        return rules.reason_label(self.reason)

    @property
    def answer_side(self):
        return rules.SELLER if self.side == rules.BUYER else rules.BUYER


class OrderMessage(models.Model):
    """The order's own chat (M1), with attachments (M5)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=rules.MESSAGE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["order", "created_at"]),
            # The order page reads the latest messages and the refresh those after an id (keyset by id).
            models.Index(fields=["order", "id"], name="ordermessage_order_id"),
        ]

    def __str__(self):
        return f"Message {self.pk} on order {self.order_id}"


class OrderAttachment(models.Model):
    message = models.ForeignKey(OrderMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, storage=order_files)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()

    def __str__(self):
        return self.name
