"""C15: an individual offer — a custom Kwork a seller offers one buyer, frozen when sent."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from . import rules


class IndividualOffer(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the buyer"
        WITHDRAWN = "withdrawn", "Withdrawn by the seller"
        ACCEPTED = "accepted", "Accepted — ordered"
        EXPIRED = "expired", "Expired"

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="offers_made")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="offers_received")
    kwork = models.ForeignKey(
        "marketplace.Kwork",
        on_delete=models.PROTECT,
        related_name="individual_offers",
        help_text="The seller's own Kwork the offer is built on; the order belongs to it.",
    )
    title = models.CharField(max_length=rules.TITLE_MAX_LENGTH)
    description = models.TextField(max_length=rules.DESCRIPTION_MAX_LENGTH)
    price_cents = models.BigIntegerField()
    lead_time_days = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was withdrawn, accepted or expired."
    )
    # In a conversation: the pair's conversation (one pending offer each) and the seller's message that carries
    # the offer in the thread (`message.offer`). An offer in answer to a buyer request has neither; the
    # buyer_requests app points at it.
    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, null=True, blank=True, related_name="offers"
    )
    message = models.OneToOneField(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="offer"
    )
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="individual_offer"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The expiry sweep: a range scan over pending offers only.
            models.Index(fields=["expires_at"], condition=Q(status="pending"), name="offer_pending_expiry"),
            models.Index(fields=["buyer", "-created_at"], name="offer_buyer_recent"),
            models.Index(fields=["seller", "-created_at"], name="offer_seller_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"], condition=Q(status="pending"), name="offer_one_pending_per_conversation"
            ),
            models.CheckConstraint(
                condition=Q(price_cents__gte=rules.PRICE_MIN_CENTS) & Q(price_cents__lte=rules.PRICE_MAX_CENTS),
                name="offer_price_in_range",
            ),
            models.CheckConstraint(
                condition=Q(lead_time_days__gte=rules.LEAD_TIME_MIN_DAYS)
                & Q(lead_time_days__lte=rules.LEAD_TIME_MAX_DAYS),
                name="offer_lead_time_in_range",
            ),
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="offer_expires_after_sent"),
            models.CheckConstraint(condition=~Q(seller=F("buyer")), name="offer_not_to_oneself"),
            # An order exactly when accepted.
            models.CheckConstraint(
                condition=Q(status="accepted", order__isnull=False)
                | (~Q(status="accepted") & Q(order__isnull=True)),
                name="offer_order_iff_accepted",
            ),
        ]

    def __str__(self):
        return f"Offer #{self.pk}: {self.title}"

    def get_absolute_url(self):
        return reverse("offers:detail", args=[self.pk])

    def is_expired_at(self, moment):
        """Expired by the clock, whether or not the sweep has marked it yet."""
        return self.status == self.Status.EXPIRED or (
            self.status == self.Status.PENDING and moment >= self.expires_at
        )

    def shown_status(self, moment=None):
        """The status a page shows: a pending offer past its expiry shows as expired before the sweep runs."""
        moment = moment or timezone.now()
        return self.Status.EXPIRED if self.is_expired_at(moment) else self.Status(self.status)

    @property
    def current_status(self):
        """For pages: the status as of now (an offer past its expiry is expired even before the sweep)."""
        return self.shown_status()

    @property
    def is_open(self):
        return self.current_status == self.Status.PENDING
