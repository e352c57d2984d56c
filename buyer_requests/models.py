"""Buyer requests (Q1), the sellers' offers on them (Q3, Q4) and the sellers' category alerts (Q2)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from common.storage import PrivateStorage, random_name

from . import rules


class BuyerRequest(models.Model):
    """Q1: what a buyer wants done. A moderator activates it (then it takes offers for OPEN_HOURS) or rejects
    it with a reason the buyer sees."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for moderation"
        ACTIVE = "active", "Open for offers"
        REJECTED = "rejected", "Rejected"
        CLOSED = "closed", "Closed"
        EXPIRED = "expired", "Expired"

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="buyer_requests")
    title = models.CharField(max_length=rules.TITLE_MAX_LENGTH)
    description = models.TextField(max_length=rules.DESCRIPTION_MAX_LENGTH)
    subcategory = models.ForeignKey(
        "marketplace.Category", on_delete=models.PROTECT, related_name="buyer_requests"
    )
    budget_cents = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reject_reason = models.TextField(blank=True, max_length=rules.REJECT_REASON_MAX_LENGTH)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    active_until = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Q1: the expiry sweep is a range scan over open requests only.
            models.Index(
                fields=["active_until"], condition=models.Q(status="active"), name="buyer_request_open_until"
            ),
            # Q2: the sellers' list, newest first, per category.
            models.Index(
                fields=["subcategory", "-activated_at"],
                condition=models.Q(status="active"),
                name="buyer_request_open_by_cat",
            ),
            models.Index(fields=["buyer", "-created_at"]),
            models.Index(fields=["created_at"], condition=models.Q(status="pending"), name="buyer_request_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_cents__gte=rules.BUDGET_MIN_CENTS)
                & models.Q(budget_cents__lte=rules.BUDGET_MAX_CENTS),
                name="buyer_request_budget_range",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("buyer_requests:detail", args=[self.pk])

    @property
    def was_published(self):
        """Sellers could see it: activated once (open, closed early or expired)."""
        return self.activated_at is not None and self.status != self.Status.REJECTED

    @property
    def is_open_now(self):
        return self.is_open()

    def is_open(self, now=None):
        """Takes offers now. The sweep may run a little late; the deadline itself decides."""
        now = now or timezone.now()
        return self.status == self.Status.ACTIVE and self.active_until is not None and now < self.active_until


request_files = PrivateStorage(url_name="buyer_requests:file")


def _request_file_path(instance, filename):
    # The request id in the name lets the download view check the request before looking for the file.
    return random_name(f"requests/{instance.request_id}", filename)


class RequestFile(models.Model):
    """C6: a file the buyer attached to the request (private: see buyer_requests/downloads.py)."""

    request = models.ForeignKey(BuyerRequest, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=_request_file_path, storage=request_files)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self.file.url


class RequestOffer(models.Model):
    """Q3: one seller's answer to a request: a message and one of their Kworks, or (Advanced and Professional
    sellers, C15) an individual offer. `order` is set once the buyer orders it (Q4)."""

    request = models.ForeignKey(BuyerRequest, on_delete=models.CASCADE, related_name="offers")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="request_offers")
    message = models.TextField(max_length=rules.OFFER_MESSAGE_MAX_LENGTH)
    kwork = models.ForeignKey(
        "marketplace.Kwork", null=True, blank=True, on_delete=models.PROTECT, related_name="request_offers"
    )
    individual_offer = models.OneToOneField(
        "offers.IndividualOffer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="request_offer",
        help_text="An individual offer instead of a Kwork (Advanced and Professional sellers may send one).",
    )
    order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="request_offer"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "seller"], name="request_offer_one_per_seller"),
            # A Kwork or an individual offer, never both or neither.
            models.CheckConstraint(
                condition=models.Q(kwork__isnull=False, individual_offer__isnull=True)
                | models.Q(kwork__isnull=True, individual_offer__isnull=False),
                name="request_offer_kwork_or_individual",
            ),
        ]
        indexes = [models.Index(fields=["seller", "-created_at"])]

    def __str__(self):
        return f"Offer of {self.seller} on request {self.request_id}"


class RequestSubscription(models.Model):
    """Q2: a seller wants to hear of new requests in this category (a category covers its subcategories)."""

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="request_subscriptions"
    )
    category = models.ForeignKey("marketplace.Category", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "category"], name="request_subscription_unique"),
        ]
        indexes = [models.Index(fields=["category"])]

    def __str__(self):
        return f"{self.seller} › {self.category_id}"


class RequestAlert(models.Model):
    """Q2: a new request waiting for the next digest of one seller (sent_at set once it went out)."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(BuyerRequest, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "request"], name="request_alert_unique"),
        ]
        indexes = [
            models.Index(
                fields=["seller", "id"], condition=models.Q(sent_at__isnull=True), name="request_alert_due"
            ),
        ]

    def __str__(self):
        return f"Alert {self.pk}"
