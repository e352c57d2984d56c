"""Categories and attributes (C1), Kworks with options, packages and media (C2–C6), moderation state (C7),
pause and weekend flags (C9–C11), favourites and cart (C13). Every write goes through services.py."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from common.money import format_cents
from common.storage import PrivateStorage, random_name
from payments.rules import seller_share_cents

from . import rules
from .weekends import is_weekend_window


class Category(models.Model):
    """A category (parent is None) or a subcategory (C1). Kworks belong to subcategories."""

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    icon = models.CharField(max_length=8, blank=True, help_text="A short symbol shown next to the name.")
    requires_portfolio = models.BooleanField(
        default=False,
        help_text="Kworks here (or in its subcategories) are paused automatically while too few of their "
        "completed orders have a portfolio item.",
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id and self.parent else self.name

    def get_absolute_url(self):
        return reverse("marketplace:category", args=[self.slug])

    @property
    def is_subcategory(self):
        return self.parent_id is not None


class PackagePricePoint(models.Model):
    """C4: an allowed buyer price of a package tier in a category (see rules.py for the decision)."""

    class Tier(models.TextChoices):
        ECONOMY = "economy", "Economy"
        STANDARD = "standard", "Standard"
        BUSINESS = "business", "Business"

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="price_points")
    tier = models.CharField(max_length=10, choices=Tier.choices)
    price_cents = models.BigIntegerField()

    class Meta:
        ordering = ["tier", "price_cents"]
        constraints = [
            models.UniqueConstraint(fields=["category", "tier", "price_cents"], name="price_point_unique"),
            models.CheckConstraint(
                condition=models.Q(price_cents__gte=rules.KWORK_MIN_PRICE_CENTS), name="price_point_min"
            ),
        ]

    def __str__(self):
        return f"{self.category} · {self.get_tier_display()} · {format_cents(self.price_cents)}"


class Attribute(models.Model):
    """C1: an attribute a subcategory defines, e.g. "CMS", with its choices."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes")
    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    required = models.BooleanField(default=True, help_text="The seller must choose a value.")

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["category", "slug"], name="attribute_slug_per_category")]

    def __str__(self):
        return f"{self.category.name}: {self.name}"


class AttributeChoice(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="choices")
    label = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]
        constraints = [models.UniqueConstraint(fields=["attribute", "slug"], name="choice_slug_per_attribute")]

    def __str__(self):
        return self.label


class SellerProfile(models.Model):
    """Marketplace settings and denormalised facts of a seller (C10, C11(b), stats fed by ratings)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="seller_profile"
    )
    hide_on_weekends = models.BooleanField(
        "hide my Kworks on weekends",
        default=False,
        help_text="Your Kworks are hidden from the catalogue from Friday 00:00 to Monday 00:00 UTC.",
    )
    autopaused = models.BooleanField(
        default=False, help_text="Paused automatically: the seller has too many orders in progress."
    )
    autopaused_at = models.DateTimeField(null=True, blank=True)
    in_progress_count = models.PositiveIntegerField(default=0)
    # M2: set by messaging's answer sweep when a new message went unanswered, cleared when the seller answers.
    answer_blocked = models.BooleanField(
        default=False,
        help_text="A buyer's new message waits for the seller's answer; their Kworks cannot be ordered.",
    )
    answer_blocked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Seller profile of {self.user}"


# What the catalogue lists (C9–C11); the partial indexes below use the same condition.
LISTED = models.Q(
    status="active", auto_paused=False, weekend_hidden=False, answer_blocked=False, seller_blocked=False
)


class Kwork(models.Model):
    """A fixed-price service (C2). The approved version is what is on sale; edits of an approved Kwork wait
    in `pending_changes` until a moderator approves them (C7)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        MODERATION = "moderation", "On moderation"
        REJECTED = "rejected", "Rejected"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"

    class RejectReason(models.TextChoices):
        ADULT = "adult", "Adult content"
        GAMBLING = "gambling", "Gambling"
        BINARY_OPTIONS = "binary_options", "Binary options"
        PSY_MEDICAL = "psy_medical", "Psychological and medical services"
        ASTROLOGY = "astrology", "Astrology"
        THIRD_PARTY_RIGHTS = "third_party_rights", "Violates third parties' rights"
        CONTACTS = "contacts", "Contact details in the text"
        QUALITY = "quality", "Description unclear or incomplete"
        OTHER = "other", "Other"

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="kworks")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="kworks")
    title = models.CharField(max_length=rules.KWORK_TITLE_MAX_LENGTH)
    description = models.TextField(max_length=rules.KWORK_DESCRIPTION_MAX_LENGTH)
    volume = models.CharField("volume of one unit", max_length=120)
    price_cents = models.BigIntegerField(default=rules.KWORK_DEFAULT_PRICE_CENTS)
    lead_time_days = models.PositiveSmallIntegerField(default=3)
    instructions = models.TextField("instructions for the buyer", max_length=2000, blank=True)
    youtube_id = models.CharField(max_length=11, blank=True)
    uses_packages = models.BooleanField(default=False)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    auto_paused = models.BooleanField(
        default=False,
        help_text="Hidden from the catalogue but still orderable: too many orders in progress or too few portfolio "
        "items.",
    )
    # C11(a): its own reason, so the two automatic pauses never undo each other (auto_paused = (a) or (b)).
    portfolio_paused = models.BooleanField(default=False, help_text="Too few portfolio items for its category.")
    portfolio_orders_count = models.PositiveIntegerField(
        default=0, help_text="Completed orders whose buyer allowed the seller to show the work in the portfolio."
    )
    weekend_hidden = models.BooleanField(
        default=False, help_text="Hidden for the weekend at the seller's request (set and cleared automatically)."
    )
    seller_hides_weekends = models.BooleanField(
        default=False, help_text="The seller hides their Kworks on weekends."
    )
    # M2: out of the catalogue and not orderable at all (unlike C11) while the seller owes a buyer an answer.
    answer_blocked = models.BooleanField(
        default=False, help_text="A buyer's new message waits for the seller's answer; not orderable until then."
    )
    # T1: the seller's account is blocked: out of the catalogue and not orderable until the block ends or is lifted.
    seller_blocked = models.BooleanField(
        default=False, db_default=False, help_text="The seller's account is blocked."
    )

    # C7 moderation.
    review_requested_at = models.DateTimeField(null=True, blank=True, help_text="Waiting in the queue since.")
    pending_changes = models.JSONField(null=True, blank=True, help_text="Edits of an approved Kwork.")
    reject_reason = models.CharField(max_length=20, choices=RejectReason.choices, blank=True)
    reject_note = models.TextField(blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    moderation_version = models.PositiveIntegerField(
        default=0,
        help_text="Goes up with every change the seller makes; an approval applies only to the version the moderator "
        "saw.",
    )

    # Denormalised figures, kept by services of ratings/orders through marketplace services (C12 sorting).
    seller_rating = models.FloatField(default=0)
    seller_stars = models.FloatField(default=0, help_text="The seller's stars, 0 to 5 in halves.")
    seller_feedback_count = models.PositiveIntegerField(default=0)
    seller_responsibility = models.FloatField(default=0)
    seller_level = models.CharField(max_length=12, default="newbie")
    rating = models.FloatField(default=0)
    feedback_count = models.PositiveIntegerField(default=0)
    conversion = models.FloatField(default=0)
    top_rated = models.BooleanField(default=False)
    orders_count = models.PositiveIntegerField(default=0)
    views_count = models.PositiveIntegerField(default=0, help_text="Views of the Kwork page.")

    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        # C12 at 100,000 Kworks: the catalogue's partial covering indexes (one per sort, over listed Kworks)
        # are PostgreSQL-only and live in migration 0005; the search GIN indexes in 0004.
        indexes = [
            models.Index(fields=["seller", "status"]),
            models.Index(
                fields=["review_requested_at"],
                condition=models.Q(review_requested_at__isnull=False),
                name="kwork_moderation_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_cents__gte=rules.KWORK_MIN_PRICE_CENTS), name="kwork_price_min"
            ),
            models.CheckConstraint(condition=models.Q(lead_time_days__gte=1), name="kwork_lead_time_min"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("marketplace:kwork", args=[self.pk])

    @property
    def seller_gets_cents(self):
        return seller_share_cents(self.price_cents)

    @property
    def seller_rating_display(self):
        return f"{self.seller_rating:.1f}"

    @property
    def is_listed(self):
        """Shown in the catalogue and search (C9–C11)."""
        return (
            self.status == self.Status.ACTIVE
            and not self.auto_paused
            and not self.answer_blocked
            and not self.seller_blocked
            and not self.is_weekend_hidden()
        )

    def is_weekend_hidden(self, now=None):
        """C10, the catalogue's rule (selectors.listed_kworks): the beat job's flag, or the seller's setting
        inside the weekend window, so the minutes before the job runs hide nothing late."""
        return self.weekend_hidden or (self.seller_hides_weekends and is_weekend_window(now))

    @property
    def is_waiting_review(self):
        return self.review_requested_at is not None

    @property
    def youtube_embed_url(self):
        return f"https://www.youtube-nocookie.com/embed/{self.youtube_id}" if self.youtube_id else ""

    @property
    def youtube_url(self):
        return f"https://www.youtube.com/watch?v={self.youtube_id}" if self.youtube_id else ""

    def order_refusal(self, user):
        """Why `user` cannot order this Kwork now, or None. Auto-paused Kworks stay orderable (C11)."""
        if self.status == self.Status.PAUSED:
            return "The seller has paused this Kwork; it cannot be ordered now."
        if self.status != self.Status.ACTIVE:
            return "This Kwork is not on sale."
        if self.is_weekend_hidden():
            return "The seller does not take orders on weekends; please come back on Monday."
        if self.seller_blocked:
            return "The seller's account is suspended; their Kworks cannot be ordered now."
        if self.answer_blocked:
            return "The seller has an unanswered message from a buyer; their Kworks can be ordered again once they reply."
        if user is not None and getattr(user, "is_authenticated", False) and user.pk == self.seller_id:
            return "You cannot order your own Kwork."
        return None

    def is_orderable_by(self, user):
        """Active or auto-paused, not hidden for the weekend, and not the user's own Kwork (C9–C11)."""
        return self.order_refusal(user) is None


class KworkAttributeValue(models.Model):
    """C1: the Kwork's choice for one attribute of its subcategory."""

    kwork = models.ForeignKey(Kwork, on_delete=models.CASCADE, related_name="attribute_values")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(AttributeChoice, on_delete=models.CASCADE, related_name="kwork_values")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kwork", "attribute"], name="one_value_per_attribute")]
        indexes = [models.Index(fields=["choice", "kwork"])]

    def __str__(self):
        return f"{self.attribute.name}: {self.choice.label}"


class KworkOption(models.Model):
    """C3: an extra option. Removed options are archived (is_active=False) so orders keep their reference."""

    kwork = models.ForeignKey(Kwork, on_delete=models.CASCADE, related_name="options")
    title = models.CharField(max_length=100)
    price_cents = models.BigIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    price_cents__gte=rules.OPTION_MIN_PRICE_CENTS, price_cents__lte=rules.OPTION_MAX_PRICE_CENTS
                ),
                name="option_price_bounds",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def seller_gets_cents(self):
        return seller_share_cents(self.price_cents)


class KworkPackage(models.Model):
    """C4: one of the three packages. `description` lists what is included, one item a line."""

    Tier = PackagePricePoint.Tier

    kwork = models.ForeignKey(Kwork, on_delete=models.CASCADE, related_name="packages")
    tier = models.CharField(max_length=10, choices=Tier.choices)
    description = models.TextField(max_length=1000)
    price_cents = models.BigIntegerField()
    lead_time_days = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["price_cents"]
        constraints = [models.UniqueConstraint(fields=["kwork", "tier"], name="one_package_per_tier")]

    def __str__(self):
        return f"{self.kwork} · {self.get_tier_display()}"

    @property
    def items(self):
        return [line.strip(" -•") for line in self.description.splitlines() if line.strip(" -•")]


# Kwork media is private until a moderator has approved it: it lives outside MEDIA_ROOT under random names and
# is fetched through marketplace/downloads.py, which sends approved media to anyone (cacheable) and the rest
# only to the seller and moderators. Its URL is built from the stored name, so cards need no query for it.
kwork_media = PrivateStorage(url_name="marketplace:media")


def _kwork_media_path(instance, filename):
    return random_name(f"kworks/{instance.kwork_id}", filename)


class KworkImage(models.Model):
    """C2/C6: a gallery image. Images added to an approved Kwork wait for moderation (`pending`)."""

    kwork = models.ForeignKey(Kwork, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=_kwork_media_path, storage=kwork_media)
    position = models.PositiveSmallIntegerField(default=0)
    pending = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.image.name


class KworkFile(models.Model):
    """C6: a file attached to the Kwork (an example, a brief template)."""

    kwork = models.ForeignKey(Kwork, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=_kwork_media_path, storage=kwork_media)
    name = models.CharField(max_length=200)
    pending = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


# C14: portfolio items live in the private storage too and are sent by marketplace/downloads.py to anyone while
# the item exists (the buyer's consent stands); browsers may cache them only once the consent can no longer be
# revoked, so a revocation takes the picture down at once.
portfolio_media = PrivateStorage(url_name="marketplace:portfolio_media")


def _portfolio_path(instance, filename):
    return random_name(f"portfolio/{instance.kwork_id}", filename)


class PortfolioItem(models.Model):
    """C14: the final product of one completed order, published with the buyer's consent. `order_id` is the
    orders app's id, kept as a plain number (marketplace knows nothing of orders); one item per order."""

    kwork = models.ForeignKey(Kwork, on_delete=models.CASCADE, related_name="portfolio_items")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolio_items")
    order_id = models.BigIntegerField(unique=True)
    file = models.FileField(upload_to=_portfolio_path, storage=portfolio_media)
    name = models.CharField(max_length=200)
    is_video = models.BooleanField(default=False)
    revocable_until = models.DateTimeField(
        null=True, blank=True, help_text="Until then the buyer may withdraw consent and the item goes."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kwork", "-created_at"], name="portfolio_kwork_recent"),
            models.Index(fields=["seller", "-created_at"], name="portfolio_seller_recent"),
        ]

    def __str__(self):
        return f"Portfolio item of order {self.order_id}"

    @property
    def url(self):
        return self.file.url

    def is_revocable(self, now=None):
        return self.revocable_until is not None and (now or timezone.now()) < self.revocable_until


class Favourite(models.Model):
    """C13: a heart."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites")
    kwork = models.ForeignKey(Kwork, on_delete=models.CASCADE, related_name="favourited_by")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "kwork"], name="favourite_once")]

    def __str__(self):
        return f"{self.user} ♥ {self.kwork}"


class CartItem(models.Model):
    """C13: a Kwork in the cart with its choice (quantity, options or package). Kept CART_ITEM_KEEP_DAYS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart_items")
    kwork = models.ForeignKey(Kwork, on_delete=models.CASCADE, related_name="cart_items")
    quantity = models.PositiveSmallIntegerField(default=1)
    package = models.ForeignKey(KworkPackage, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    options = models.ManyToManyField(KworkOption, blank=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-added_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_quantity_min"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.kwork}"

    @property
    def option_ids(self):
        return [option.pk for option in self.options.all()]


class ModerationQueue(Kwork):
    """C7: the moderators' queue in the admin — Kworks (new or edited) waiting, the longest waiting first."""

    class Meta:
        proxy = True
        verbose_name = "Kwork waiting for moderation"
        verbose_name_plural = "moderation queue"


class SearchTerm(models.Model):
    """C12 typo tolerance: the words of listed Kworks as written (not stemmed) with the number of Kworks using
    each, rebuilt by a beat job (search_backends: ts_stat on PostgreSQL, Python on SQLite). A search that finds
    nothing is retried with each word replaced by its most similar known word (pg_trgm's measure on both)."""

    word = models.CharField(max_length=100, unique=True)
    documents = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.word
