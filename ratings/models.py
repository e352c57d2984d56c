"""Ratings: feedback and responses, private buyer ratings, the figures of sellers and buyers, boosting flags
(SPEC R1–R12, O11, A10). Figures are written only by ratings.services (recompute); the rest by their services."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from . import rules


class Feedback(models.Model):
    """R1/O11: the buyer's like or dislike and text, one per order. Staff removal hides it (with an audit row)."""

    class RemovalReason(models.TextChoices):
        BREAKS_RULES = "breaks_rules", "Breaks the rules"
        UNRELATED = "unrelated", "Unrelated to the work"
        BOOSTING = "boosting", "Boosted feedback"

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="feedback")
    kwork = models.ForeignKey("marketplace.Kwork", on_delete=models.PROTECT, related_name="feedbacks")
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="feedback_received"
    )
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="feedback_given")
    is_positive = models.BooleanField()
    text = models.TextField(max_length=rules.FEEDBACK_TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removal_reason = models.CharField(max_length=16, blank=True, choices=RemovalReason.choices)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "feedback"
        indexes = [
            models.Index(
                fields=["kwork", "-created_at", "-id"],
                condition=Q(removed_at__isnull=True),
                name="feedback_kwork_visible",
            ),
            models.Index(
                fields=["seller", "-created_at", "-id"],
                condition=Q(removed_at__isnull=True),
                name="feedback_seller_visible",
            ),
            models.Index(fields=["buyer", "created_at"], name="feedback_buyer"),
        ]

    def __str__(self):
        return f"{'Positive' if self.is_positive else 'Negative'} feedback on order {self.order_id}"

    @property
    def is_visible(self):
        return self.removed_at is None


class FeedbackRemoval(models.Model):
    """R1/R12 audit: who removed which feedback, when and why (append-only)."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="removals")
    staff_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=Feedback.RemovalReason.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Removal of feedback {self.feedback_id} ({self.get_reason_display()})"


class FeedbackResponse(models.Model):
    """R2: the seller's one public response under a feedback; moderated, frozen once approved."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    feedback = models.OneToOneField(Feedback, on_delete=models.CASCADE, related_name="response")
    text = models.TextField(max_length=rules.RESPONSE_TEXT_MAX_LENGTH)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reject_reason = models.TextField(blank=True, max_length=rules.RESPONSE_REJECT_REASON_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="response_pending"),
        ]

    def __str__(self):
        return f"Response to feedback {self.feedback_id} ({self.get_status_display()})"


class BuyerRating(models.Model):
    """R1: the seller's private 1–5 rating of the buyer of one order (other sellers see only the average)."""

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="buyer_rating")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ratings_received")
    stars = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=rules.BUYER_RATING_MIN) & Q(stars__lte=rules.BUYER_RATING_MAX),
                name="buyer_rating_range",
            )
        ]
        indexes = [models.Index(fields=["buyer"], name="buyer_rating_buyer")]

    def __str__(self):
        return f"{self.stars}/5 for the buyer of order {self.order_id}"


class SellerStats(models.Model):
    """One row per seller: every figure of R3–R7, R9 (seller part) and R10, recomputed by services only.
    Null = not enough data yet (no rated orders, no feedback)."""

    class Level(models.TextChoices):  # the same strings as marketplace.hooks
        NEWBIE = "newbie", "Newbie"
        ADVANCED = "advanced", "Advanced"
        PROFESSIONAL = "professional", "Professional"

    seller = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="seller_stats"
    )
    # R3, R4, R6 (0–100, 0–100, 0–5)
    responsibility = models.FloatField(null=True, blank=True)
    rating = models.FloatField(null=True, blank=True)
    stars = models.FloatField(null=True, blank=True)
    # R5 (hours)
    avg_lead_time_hours = models.FloatField(null=True, blank=True)
    avg_start_hours = models.FloatField(null=True, blank=True)
    # R10
    completed_count = models.PositiveIntegerField(default=0)
    positive_count = models.PositiveIntegerField(default=0)  # visible feedback
    negative_count = models.PositiveIntegerField(default=0)
    removed_feedback_count = models.PositiveIntegerField(default=0)
    success_percent = models.FloatField(null=True, blank=True)
    on_time_percent = models.FloatField(null=True, blank=True)
    # R7
    level = models.CharField(max_length=12, choices=Level.choices, default=Level.NEWBIE)
    level_window_orders = models.PositiveIntegerField(default=0)
    level_window_completed = models.PositiveIntegerField(default=0)
    level_window_bad = models.PositiveIntegerField(default=0)
    # R9: the seller's half of Top Rated (each Kwork adds its own 20 positive completed orders)
    top_rated_seller = models.BooleanField(default=False)
    # The inbox does not exist yet: filled when it does.
    response_rate_percent = models.FloatField(null=True, blank=True)
    first_response_median_seconds = models.PositiveIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "seller stats"

    def __str__(self):
        return f"Figures of {self.seller_id}"

    @property
    def feedback_count(self):
        return self.positive_count + self.negative_count


class BuyerStats(models.Model):
    """R11: purchases, buyer level and Super buyer; the average of sellers' private ratings (R1)."""

    buyer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="buyer_stats"
    )
    purchases = models.PositiveIntegerField(default=0)
    recent_purchases = models.PositiveIntegerField(default=0)  # within SUPER_BUYER_WINDOW_DAYS
    sales = models.PositiveIntegerField(default=0)  # completed as a seller (R11: "mostly sells")
    level = models.PositiveSmallIntegerField(default=1)
    super_buyer = models.BooleanField(default=False)
    rating_avg = models.FloatField(null=True, blank=True)  # only once rating_count >= BUYER_RATING_MIN_COUNT
    rating_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "buyer stats"

    def __str__(self):
        return f"Buyer figures of {self.buyer_id}"

    @property
    def level_name(self):
        return next(name for level, name, _ in rules.BUYER_LEVELS if level == self.level)

    @property
    def mostly_sells(self):
        return self.sales > self.purchases


class BoostingFlag(models.Model):
    """R12: a suspicion for Moderators. Never acted on automatically; staff confirm or dismiss it, and the admin
    action removes the feedback of confirmed flags."""

    class Kind(models.TextChoices):
        REPEAT_PAIR = "repeat_pair", "Same buyer and seller, repeatedly in a short time"
        RECIPROCAL = "reciprocal", "Reciprocal orders (both buy from each other)"
        YOUNG_BUYER = "young_buyer", "Positive feedback from a new buyer account"
        SIMILAR_TEXT = "similar_text", "Near-identical feedback texts"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONFIRMED = "confirmed", "Confirmed boosting"
        DISMISSED = "dismissed", "Dismissed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=100, unique=True, help_text="One flag per suspicion (kind and parties).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    feedback = models.ManyToManyField(Feedback, blank=True, related_name="boosting_flags")
    orders = models.ManyToManyField("orders.Order", blank=True, related_name="+")
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="boostflag_status")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class RecomputeCursor(models.Model):
    """The nightly recomputation's position (resumable): the last user id done in the current pass."""

    name = models.CharField(max_length=40, primary_key=True)
    position = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} at {self.position}"
