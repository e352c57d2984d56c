from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from common import dates
from common.storage import PrivateStorage, random_name

from . import logins, rules


def _avatar_path(instance, filename):
    # Public, but under a random name: nobody lists avatars by guessing, and a new one never hits a stale cache.
    return random_name("avatars", filename)


class CaseInsensitiveUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractUser):
    """One person, both buyer and seller (A8), with one balance (kept by payments)."""

    class Mode(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SELLER = "seller", "Seller"

    username = models.CharField(
        "login",
        max_length=rules.USERNAME_MAX_LENGTH,
        unique=True,
        validators=logins.USERNAME_VALIDATORS,
        help_text="Public. Latin letters, digits, “-” and “_”.",
        error_messages={"unique": "This login is already taken."},
    )
    email = models.EmailField("e-mail address", blank=True)
    display_name = models.CharField(max_length=60, blank=True)
    city = models.CharField(max_length=80, blank=True)
    about = models.TextField("about me", max_length=3000, blank=True)
    skills = models.CharField(max_length=300, blank=True, help_text="Comma-separated, for example: logo, branding")
    avatar = models.ImageField(upload_to=_avatar_path, blank=True)
    mode = models.CharField(max_length=6, choices=Mode.choices, default=Mode.BUYER)
    email_notifications = models.BooleanField(
        default=True, help_text="Send e-mail for important events (new order, status changes, messages…)."
    )
    # Pages and e-mails show times in this zone (common.dates); detected by the browser at sign-up.
    time_zone = models.CharField(
        max_length=dates.TIME_ZONE_MAX_LENGTH,
        default=dates.DEFAULT_TIME_ZONE,
        validators=[dates.validate_time_zone],
        help_text="Dates and times on the site and in e-mails are shown in this time zone.",
    )
    adult_confirmed_at = models.DateTimeField(null=True, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    username_changed_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True, db_index=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # T1: the block in force, kept in step with the user's penalties by accounts.penalties (read on every request).
    blocked_until = models.DateTimeField(null=True, blank=True)
    blocked_permanently = models.BooleanField(default=False)

    objects = CaseInsensitiveUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), condition=~models.Q(email=""), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.username

    def save(self, *args, **kwargs):
        # A2: one address, one account, whatever the case; allauth stores addresses in lower case too.
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def public_name(self):
        return self.display_name or self.username

    @property
    def is_seller_mode(self):
        return self.mode == self.Mode.SELLER

    @property
    def can_change_username(self):
        return self.username_changed_at is None and self.anonymised_at is None

    def get_absolute_url(self):
        return reverse("accounts:profile", args=[self.username])

    @property
    def skills_list(self):
        return [skill.strip() for skill in self.skills.split(",") if skill.strip()]

    @property
    def is_blocked(self):
        """T1: a temporary block not yet over, or a permanent one (as a query: selectors.users_blocked)."""
        return self.blocked_permanently or (self.blocked_until is not None and self.blocked_until > timezone.now())

    @property
    def initials(self):
        return (self.public_name[:1] or "?").upper()


class AccountChange(models.Model):
    """A sensitive change (A5, A6, P6). Each one locks payout details and withdrawals for a week."""

    class Kind(models.TextChoices):
        EMAIL = "email", "E-mail changed"
        USERNAME = "username", "Login changed"
        PAYOUT_DETAILS = "payout_details", "Payout details changed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    old_value = models.CharField(max_length=254, blank=True)
    new_value = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.user})"

    @property
    def locks_until(self):
        return self.created_at + timedelta(days=rules.SENSITIVE_CHANGE_LOCK_DAYS)


class DeletionRequest(models.Model):
    """A7: the user asks; support staff carry it out with the admin action, which anonymises the person."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for support"
        DONE = "done", "Account deleted"
        REJECTED = "rejected", "Rejected"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deletion_requests")
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    staff_note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="one_pending_deletion_request"
            )
        ]

    def __str__(self):
        return f"Deletion request of {self.user}"


class Badge(models.Model):
    """A10. Automatic badges are granted by services (levels, activity); manual ones by staff."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    description = models.CharField(max_length=200)
    icon = models.CharField(max_length=8, default="★", help_text="A short symbol shown on the badge.")
    automatic = models.BooleanField(default=False, help_text="Granted and removed by the site, not by staff.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserBadge(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges")
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="holders")
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "badge"], name="badge_once_per_user")]
        ordering = ["granted_at"]

    def __str__(self):
        return f"{self.badge} → {self.user}"


class Notification(models.Model):
    """A11: the in-site notification centre. `kind` decides whether an e-mail goes too."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None


class StaffAction(models.Model):
    """T6: the audit log of every staff action (who, what, when, why), read in the back office. Append-only:
    services write it in the transaction of the action itself."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_actions", null=True, blank=True
    )
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40)
    target_label = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="staffaction_recent"),
            models.Index(fields=["target_type", "target_id"], name="staffaction_target"),
            models.Index(fields=["actor", "-created_at"], name="staffaction_actor"),
        ]

    def __str__(self):
        return f"{self.action} {self.target_type}#{self.target_id}"


# --- identity checks (A12) -------------------------------------------------------------------------------

# No url_name: a document has no URL at all; Support reads it through arbitration's logged view.
identity_documents = PrivateStorage()


def _identity_document_path(instance, filename):
    return random_name("identity", filename)


class IdentityCheck(models.Model):
    """A12: a seller's identity document waiting for Support, and the decision. The file is deleted
    `rules.IDENTITY_DOCUMENT_KEEP_DAYS` after the decision (`delete_after`); the row stays as the record."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_checks")
    document = models.FileField(upload_to=_identity_document_path, storage=identity_documents, blank=True)
    document_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    delete_after = models.DateTimeField(null=True, blank=True)
    document_deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="identitycheck_one_pending"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="identitycheck_queue"),
            models.Index(
                fields=["delete_after"], condition=~models.Q(document=""), name="identitycheck_purge_due"
            ),
        ]

    def __str__(self):
        return f"Identity check #{self.pk} of {self.user_id}"


# --- penalties, reports and appeals (T1, T2, M3, M4) -----------------------------------------------------------

appeal_files = PrivateStorage()


def _appeal_file_path(instance, filename):
    return random_name("appeals", filename)


class Penalty(models.Model):
    """T1: a warning, a temporary block or a permanent block. Given by staff (`given_by`) or by the site
    (`automatic`, M3/M4/T2), in which case it waits in the review queue until staff confirm or lift it."""

    class Kind(models.TextChoices):
        WARNING = "warning", "Warning"
        TEMPORARY = "temporary", "Temporary block"
        PERMANENT = "permanent", "Permanent block"

    class Rule(models.TextChoices):
        CONTACTS = "contacts", "Contact details shared"
        PAYMENT_OUTSIDE = "payment_outside", "Payment offered outside the site"
        DEALING_OUTSIDE = "dealing_outside", "Dealing outside the site"
        SPAM = "spam", "Spam or unauthorised advertising"
        PROFANITY = "profanity", "Profanity or rudeness"
        FRAUD = "fraud", "Fraud or another gross violation"
        OTHER = "other", "Other breach of the rules"

    class Status(models.TextChoices):
        REVIEW = "review", "Waiting for review"
        ACTIVE = "active", "In force"
        LIFTED = "lifted", "Lifted"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="penalties")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    rule = models.CharField(max_length=20, choices=Rule.choices)
    evidence_url = models.CharField(max_length=300, blank=True)
    reason = models.TextField(max_length=3000)
    automatic = models.BooleanField(default=False)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    block_days = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="penalty_queue"),
            models.Index(fields=["user", "-created_at"], name="penalty_user"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} for {self.user_id}"

    @property
    def is_block(self):
        return self.kind != self.Kind.WARNING


class Offence(models.Model):
    """M3, M4: a message the site refused (contact details, payment offered outside the site, profanity). The
    automatic steps count these: contact details are refused a few times before a warning (people learn the rule
    from the refusal), the other rules warn at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offences")
    rule = models.CharField(max_length=20, choices=Penalty.Rule.choices)
    evidence_url = models.CharField(max_length=300, blank=True)
    fragment = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "rule", "created_at"], name="offence_user_rule")]

    def __str__(self):
        return f"{self.rule} by {self.user_id}"


class Report(models.Model):
    """T2, M3: any user reports a message, a Kwork or a profile; Support handles it in the same queue."""

    class Target(models.TextChoices):
        MESSAGE = "message", "Message"
        KWORK = "kwork", "Kwork"
        PROFILE = "profile", "Profile"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTED = "acted", "Penalty given"
        DISMISSED = "dismissed", "Dismissed"

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made")
    target_kind = models.CharField(max_length=10, choices=Target.choices)
    target_id = models.PositiveBigIntegerField()
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_received"
    )
    target_url = models.CharField(max_length=300)
    target_label = models.CharField(max_length=200)
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    penalty = models.ForeignKey(Penalty, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_kind", "target_id"],
                condition=models.Q(status="open"),
                name="report_one_open_per_reporter",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="report_queue")]

    def __str__(self):
        return f"Report #{self.pk} on {self.target_label}"


class Appeal(models.Model):
    """T1: one appeal per penalty, with text and an optional file, decided by a staff member other than the
    penalty's author."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        GRANTED = "granted", "Granted (penalty lifted)"
        REJECTED = "rejected", "Rejected"

    penalty = models.OneToOneField(Penalty, on_delete=models.CASCADE, related_name="appeal")
    text = models.TextField(max_length=3000)
    file = models.FileField(upload_to=_appeal_file_path, storage=appeal_files, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="appeal_queue")]

    def __str__(self):
        return f"Appeal #{self.pk} on penalty #{self.penalty_id}"
