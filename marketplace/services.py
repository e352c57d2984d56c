"""Every write of the marketplace, one function per use case (DESIGN: services).

Public API for other apps:
- `price_quote(*, kwork, quantity=1, option_ids=(), package=None) -> Quote` (C5; from marketplace.pricing)
- `kwork_autopause_sync(*, seller, in_progress_count)` (C11(b); the orders app calls it when the number of
  the seller's orders in progress changes)
- `seller_stats_sync(*, seller, rating, feedback_count, responsibility, level)` and
  `kwork_stats_sync(*, kwork, rating, feedback_count, conversion, orders_count, top_rated)` (ratings app)
- `Kwork.is_orderable_by(user)` / `Kwork.order_refusal(user)` (models)
"""

import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from common.contacts import ensure_no_contacts
from common.errors import DomainError
from common.money import format_cents

from . import hooks, rules
from .caching import catalogue_changed
from .models import (
    Attribute,
    CartItem,
    Category,
    Favourite,
    Kwork,
    KworkAttributeValue,
    KworkFile,
    KworkImage,
    KworkOption,
    KworkPackage,
    PackagePricePoint,
    SellerProfile,
)
from .pricing import Quote, price_quote  # noqa: F401  (re-exported for the orders app)

Status = Kwork.Status
User = get_user_model()
YOUTUBE_RE = re.compile(
    r"^(?:https?://)?(?:(?:www\.|m\.)?youtube\.com/watch\?(?:[^#\s]*&)?v=|youtu\.be/)([A-Za-z0-9_-]{11})(?:[&?#]\S*)?$"
)


# --- helpers ---------------------------------------------------------------------------------------------


def youtube_id_from_url(url):
    """C2: youtube.com/watch?v=ID or youtu.be/ID → ID; '' for an empty link; DomainError otherwise."""
    url = (url or "").strip()
    if not url:
        return ""
    match = YOUTUBE_RE.match(url)
    if not match:
        raise DomainError(
            "This is not a YouTube video link. Use a link like https://www.youtube.com/watch?v=dQw4w9WgXcQ "
            "or https://youtu.be/dQw4w9WgXcQ.",
            field="youtube_url",
        )
    return match.group(1)


def seller_profile_for(user):
    profile, _ = SellerProfile.objects.get_or_create(user=user)
    return profile


def price_points_for(category):
    """C4: {tier: [cents, ...]} of the category (a subcategory inherits its parent's; then the defaults)."""
    points = {}
    for cat_id in [category.pk, category.parent_id]:
        if cat_id is None:
            continue
        for tier, cents in PackagePricePoint.objects.filter(category_id=cat_id).values_list("tier", "price_cents"):
            points.setdefault(tier, []).append(cents)
        if points:
            break
    if not points:
        return {tier: list(values) for tier, values in rules.DEFAULT_PACKAGE_PRICE_POINTS.items()}
    return {tier: sorted(points.get(tier, [])) for tier in rules.PACKAGE_TIERS}


def is_weekend_window(now=None):
    """C10: Friday 00:00 UTC up to Monday 00:00 UTC."""
    now = timezone.localtime(now or timezone.now(), timezone.UTC)
    start, end = rules.WEEKEND_HIDE_FROM_WEEKDAY, rules.WEEKEND_HIDE_UNTIL_WEEKDAY
    weekday = now.weekday()
    if start <= end:
        return start <= weekday < end
    return weekday >= start or weekday < end


def _search_vector_update(kwork_ids):
    """C12: refresh the stored tsvector (title weighs more than description) on PostgreSQL."""
    if connection.vendor != "postgresql" or not kwork_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE marketplace_kwork SET search_vector = "
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(volume, '')), 'B') || "
            "setweight(to_tsvector('english', coalesce(description, '')), 'C') "
            "WHERE id = ANY(%s)",
            [list(kwork_ids)],
        )


def search_terms_refresh():
    """C12 beat job: rebuild the vocabulary used to correct typos from the words of listed Kworks (ts_stat).
    PostgreSQL only; returns the number of words."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM marketplace_searchterm")
        cursor.execute(
            "INSERT INTO marketplace_searchterm (word, documents) SELECT word, ndoc FROM ts_stat("
            "'SELECT search_vector FROM marketplace_kwork WHERE status = ''active'' AND NOT auto_paused "
            "AND NOT weekend_hidden') WHERE length(word) BETWEEN 3 AND 100"
        )
        return cursor.rowcount


def _notify(*, user, kind, title, body="", url=""):
    transaction.on_commit(
        lambda: account_services.notification_send(user=user, kind=kind, title=title, body=body, url=url)
    )


# --- validation of the editor's data (C1–C5, M3) ---------------------------------------------------------


def kwork_data_validate(data):
    """Check the editor's data; return it normalised (JSON-safe). Raises DomainError(field=...) on the first
    problem. `data` keys: category (Category or id), title, description, volume, price_cents, lead_time_days,
    instructions, youtube_url, uses_packages, attributes {attribute_id: choice_id}, options [{id?, title,
    price_cents}], packages {tier: {description, price_cents, lead_time_days}}."""
    category = data["category"]
    if not isinstance(category, Category):
        category = Category.objects.filter(pk=category).first()
    if category is None or category.parent_id is None:
        raise DomainError("Choose a subcategory for your Kwork.", field="category")
    title = (data.get("title") or "").strip()
    description = (data.get("description") or "").strip()
    volume = (data.get("volume") or "").strip()
    instructions = (data.get("instructions") or "").strip()
    if len(title) < rules.KWORK_TITLE_MIN_LENGTH:
        raise DomainError(
            f"The title must be at least {rules.KWORK_TITLE_MIN_LENGTH} characters long.", field="title"
        )
    if len(description) < rules.KWORK_DESCRIPTION_MIN_LENGTH:
        raise DomainError(
            f"Describe what the buyer gets in at least {rules.KWORK_DESCRIPTION_MIN_LENGTH} characters.",
            field="description",
        )
    if not volume:
        raise DomainError("Say what one unit of work includes, for example “1 logo” or “1,000 words”.", "volume")
    for field, value, label in (
        ("title", title, "The title"),
        ("description", description, "The description"),
        ("volume", volume, "The volume"),
        ("instructions", instructions, "The instructions for the buyer"),
    ):
        ensure_no_contacts(value, what=label, field=field)

    price_cents = int(data.get("price_cents") or 0)
    if price_cents < rules.KWORK_MIN_PRICE_CENTS or price_cents > rules.KWORK_MAX_PRICE_CENTS:
        raise DomainError(
            f"The price must be from ${rules.KWORK_MIN_PRICE_CENTS // 100} to ${rules.KWORK_MAX_PRICE_CENTS // 100}.",
            field="price",
        )
    if price_cents % 100:
        raise DomainError("The price must be a whole number of dollars.", field="price")
    lead_time_days = int(data.get("lead_time_days") or 0)
    if not 1 <= lead_time_days <= rules.KWORK_MAX_LEAD_TIME_DAYS:
        raise DomainError(
            f"The lead time must be from 1 to {rules.KWORK_MAX_LEAD_TIME_DAYS} days.", field="lead_time_days"
        )
    youtube_id = youtube_id_from_url(data.get("youtube_url"))

    # C1: one choice per attribute of the subcategory; required ones must be set.
    attributes = list(Attribute.objects.filter(category=category).prefetch_related("choices"))
    given = {str(k): str(v) for k, v in (data.get("attributes") or {}).items() if v not in (None, "")}
    chosen = {}
    for attribute in attributes:
        value = given.get(str(attribute.pk))
        if value is None:
            if attribute.required:
                raise DomainError(f"Choose a value for “{attribute.name}”.", field=f"attr_{attribute.pk}")
            continue
        if value not in {str(c.pk) for c in attribute.choices.all()}:
            raise DomainError(f"Choose one of the listed values for “{attribute.name}”.", f"attr_{attribute.pk}")
        chosen[str(attribute.pk)] = int(value)

    # C3: options.
    options = []
    for raw in data.get("options") or []:
        option_title = (raw.get("title") or "").strip()
        if not option_title:
            continue
        ensure_no_contacts(option_title, what="An option title", field="options")
        cents = int(raw.get("price_cents") or 0)
        if not rules.OPTION_MIN_PRICE_CENTS <= cents <= rules.OPTION_MAX_PRICE_CENTS:
            raise DomainError(
                f"The option “{option_title}” must cost the buyer from {format_cents(rules.OPTION_MIN_PRICE_CENTS)} "
                f"to {format_cents(rules.OPTION_MAX_PRICE_CENTS)} (you receive $3.20 to $160.00).",
                field="options",
            )
        options.append({"id": raw.get("id") or None, "title": option_title, "price_cents": cents})
    if len(options) > rules.MAX_OPTIONS:
        raise DomainError(f"A Kwork can have at most {rules.MAX_OPTIONS} extra options.", field="options")

    # C4: packages.
    uses_packages = bool(data.get("uses_packages"))
    packages = {}
    if uses_packages:
        points = price_points_for(category)
        previous = 0
        for tier in rules.PACKAGE_TIERS:
            raw = (data.get("packages") or {}).get(tier) or {}
            label = tier.capitalize()
            package_description = (raw.get("description") or "").strip()
            if not package_description:
                raise DomainError(f"Describe what the {label} package includes.", field=f"package_{tier}")
            ensure_no_contacts(package_description, what=f"The {label} package", field=f"package_{tier}")
            cents = int(raw.get("price_cents") or 0)
            if cents not in points.get(tier, []):
                allowed = ", ".join(f"${p // 100}" for p in points.get(tier, []))
                raise DomainError(
                    f"The {label} package price must be one of this category's price points: {allowed}.",
                    field=f"package_{tier}",
                )
            if cents <= previous:
                raise DomainError(
                    "Packages must cost more from Economy to Standard to Business.", field=f"package_{tier}"
                )
            previous = cents
            days = int(raw.get("lead_time_days") or 0)
            if not 1 <= days <= rules.KWORK_MAX_LEAD_TIME_DAYS:
                raise DomainError(
                    f"The {label} package lead time must be from 1 to {rules.KWORK_MAX_LEAD_TIME_DAYS} days.",
                    field=f"package_{tier}",
                )
            packages[tier] = {"description": package_description, "price_cents": cents, "lead_time_days": days}
        price_cents = packages["economy"]["price_cents"]
        lead_time_days = packages["economy"]["lead_time_days"]

    return {
        "category": category.pk,
        "title": title,
        "description": description,
        "volume": volume,
        "price_cents": price_cents,
        "lead_time_days": lead_time_days,
        "instructions": instructions,
        "youtube_id": youtube_id,
        "uses_packages": uses_packages,
        "attributes": chosen,
        "options": options,
        "packages": packages,
    }


def _apply_data(kwork, data):
    """Write validated data onto the Kwork and its attribute values, options and packages."""
    for field in ("title", "description", "volume", "price_cents", "lead_time_days", "instructions", "youtube_id"):
        setattr(kwork, field, data[field])
    kwork.category_id = data["category"]
    kwork.uses_packages = data["uses_packages"]
    kwork.updated_at = timezone.now()
    kwork.save()

    KworkAttributeValue.objects.filter(kwork=kwork).exclude(
        attribute_id__in=[int(a) for a in data["attributes"]]
    ).delete()
    for attribute_id, choice_id in data["attributes"].items():
        KworkAttributeValue.objects.update_or_create(
            kwork=kwork, attribute_id=int(attribute_id), defaults={"choice_id": choice_id}
        )

    existing = {option.pk: option for option in KworkOption.objects.filter(kwork=kwork, is_active=True)}
    kept = set()
    for position, raw in enumerate(data["options"]):
        option = existing.get(int(raw["id"])) if raw.get("id") and str(raw["id"]).isdigit() else None
        if option and option.title == raw["title"] and option.price_cents == raw["price_cents"]:
            if option.position != position:
                option.position = position
                option.save(update_fields=["position"])
            kept.add(option.pk)
            continue
        # A changed option becomes a new one: orders keep the option they were placed with.
        KworkOption.objects.create(
            kwork=kwork, title=raw["title"], price_cents=raw["price_cents"], position=position
        )
    KworkOption.objects.filter(kwork=kwork, is_active=True, pk__in=set(existing) - kept).update(is_active=False)

    for tier, raw in data["packages"].items():
        KworkPackage.objects.update_or_create(kwork=kwork, tier=tier, defaults=raw)
    _search_vector_update([kwork.pk])


# --- limits (C8) -----------------------------------------------------------------------------------------


def _check_total_limit(seller):
    total = Kwork.objects.filter(seller=seller).count()
    if hooks.seller_level(seller) == hooks.NEWBIE and total >= rules.MAX_KWORKS_NEWBIE:
        raise DomainError(
            f"As a Newbie seller you can have at most {rules.MAX_KWORKS_NEWBIE} Kworks. "
            "Delete a draft or reach the Advanced level to add more."
        )
    if (
        total >= rules.MAX_KWORKS_WITHOUT_ORDERS
        and Kwork.objects.filter(seller=seller, status=Status.ACTIVE).exists()
        and not hooks.seller_has_orders(seller)
    ):
        raise DomainError(
            f"Until you receive your first order you can have at most {rules.MAX_KWORKS_WITHOUT_ORDERS} Kworks."
        )


def _check_moderation_limit(seller, kwork):
    if Kwork.objects.filter(seller=seller, status=Status.ACTIVE).exists():
        return
    waiting = Kwork.objects.filter(seller=seller, review_requested_at__isnull=False).exclude(pk=kwork.pk).count()
    if waiting >= rules.MAX_IN_MODERATION_WITHOUT_ACTIVE:
        raise DomainError(
            f"You already have {waiting} Kworks waiting for moderation. Until one of your Kworks is active, "
            f"at most {rules.MAX_IN_MODERATION_WITHOUT_ACTIVE} can wait at once."
        )


# --- the editor (C2–C5, C7, C8, A4) ----------------------------------------------------------------------


def kwork_get_for_seller(*, seller, pk, lock=False):
    """Another seller's Kwork is a 404."""
    queryset = Kwork.objects.filter(seller=seller)
    if lock:
        queryset = queryset.select_for_update()
    return get_object_or_404(queryset, pk=pk)


def kwork_create(*, seller, data, submit=False):
    """A new Kwork, saved as a draft or sent to moderation at once."""
    account_services.ensure_email_confirmed(user=seller, action="create a Kwork")
    clean = kwork_data_validate(data)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=seller.pk).first()  # one creation at a time per seller (C8)
        _check_total_limit(seller)
        kwork = Kwork(seller=seller, status=Status.DRAFT, seller_hides_weekends=_hides_weekends(seller))
        _apply_data(kwork, clean)
        if submit:
            _submit(kwork)
    return kwork


def kwork_update(*, seller, kwork, data, submit=False):
    """Edit a Kwork. A draft, rejected or waiting Kwork changes at once; an approved (active or paused) one
    keeps selling its approved version while the changes wait for moderation (C7)."""
    account_services.ensure_email_confirmed(user=seller, action="edit a Kwork")
    clean = kwork_data_validate(data)
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.approved_at is None:
            if kwork.status == Status.REJECTED:
                kwork.status = Status.DRAFT
            _apply_data(kwork, clean)
        else:
            kwork.pending_changes = clean
            kwork.save(update_fields=["pending_changes"])
        if submit:
            _submit(kwork)
    return kwork


def _submit(kwork):
    _check_moderation_limit(kwork.seller, kwork)
    if kwork.approved_at is None:
        if not kwork.images.exists():
            raise DomainError("Add at least one gallery image before sending the Kwork to moderation.")
        kwork.status = Status.MODERATION
    elif kwork.pending_changes is None:
        raise DomainError("There are no changes to send to moderation.")
    kwork.review_requested_at = kwork.review_requested_at or timezone.now()
    kwork.reject_reason, kwork.reject_note = "", ""
    kwork.save(update_fields=["status", "review_requested_at", "reject_reason", "reject_note"])


def kwork_submit(*, seller, kwork):
    """C7: send a draft (or the pending changes of an approved Kwork) to the moderation queue."""
    account_services.ensure_email_confirmed(user=seller, action="send a Kwork to moderation")
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.review_requested_at is not None:
            raise DomainError("This Kwork is already waiting for moderation.")
        if kwork.approved_at is None and kwork.status not in (Status.DRAFT, Status.REJECTED):
            raise DomainError("Only a draft or a rejected Kwork can be sent to moderation.")
        _submit(kwork)
    return kwork


def kwork_delete(*, seller, kwork):
    """A draft or rejected Kwork that was never approved can be deleted (frees a C8 slot)."""
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.approved_at is not None or kwork.status not in (Status.DRAFT, Status.REJECTED):
            raise DomainError("Only drafts and rejected Kworks can be deleted; pause an active Kwork instead.")
        kwork.delete()


def kwork_changes_discard(*, seller, kwork):
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        kwork.pending_changes = None
        kwork.review_requested_at = None
        kwork.save(update_fields=["pending_changes", "review_requested_at"])
        KworkImage.objects.filter(kwork=kwork, pending=True).delete()
        KworkFile.objects.filter(kwork=kwork, pending=True).delete()
    return kwork


# --- media (C6) ------------------------------------------------------------------------------------------


def kwork_image_add(*, seller, kwork, upload):
    """The upload has been checked by common.uploads.validate_image (content, type, 4 MB) in the form."""
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.images.count() >= rules.MAX_GALLERY_IMAGES:
            raise DomainError(f"A Kwork can have at most {rules.MAX_GALLERY_IMAGES} gallery images.", "image")
        return KworkImage.objects.create(
            kwork=kwork, image=upload, position=kwork.images.count(), pending=kwork.approved_at is not None
        )


def kwork_image_delete(*, seller, kwork, image_id):
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        image = get_object_or_404(KworkImage, kwork=kwork, pk=image_id)
        if kwork.is_listed and not image.pending and kwork.images.filter(pending=False).count() == 1:
            raise DomainError("An active Kwork needs at least one image; add another before removing this one.")
        name = image.image.name
        image.delete()
        catalogue_changed()
        transaction.on_commit(lambda: image.image.storage.delete(name))


def kwork_file_add(*, seller, kwork, upload):
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.files.count() >= rules.MAX_KWORK_FILES:
            raise DomainError(f"A Kwork can have at most {rules.MAX_KWORK_FILES} files.", "file")
        return KworkFile.objects.create(
            kwork=kwork, file=upload, name=upload.name[:200], pending=kwork.approved_at is not None
        )


def kwork_file_delete(*, seller, kwork, file_id):
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        item = get_object_or_404(KworkFile, kwork=kwork, pk=file_id)
        name = item.file.name
        item.delete()
        transaction.on_commit(lambda: item.file.storage.delete(name))


# --- moderation (C7) --------------------------------------------------------------------------------------


def kwork_approve(*, kwork, moderator):
    """Approve a new Kwork (it goes on sale) or the pending changes of an approved one (applied now)."""
    with transaction.atomic():
        kwork = Kwork.objects.select_for_update().get(pk=kwork.pk)
        if kwork.review_requested_at is None:
            raise DomainError(f"“{kwork.title}” is not waiting for moderation.")
        now = timezone.now()
        first_approval = kwork.approved_at is None
        if kwork.pending_changes:
            _apply_data(kwork, kwork.pending_changes)
            kwork.pending_changes = None
        if first_approval:
            kwork.status = Status.ACTIVE
            kwork.approved_at = now
            profile = seller_profile_for(kwork.seller)
            kwork.auto_paused = profile.autopaused
            kwork.seller_hides_weekends = profile.hide_on_weekends
            kwork.weekend_hidden = profile.hide_on_weekends and is_weekend_window(now)
        KworkImage.objects.filter(kwork=kwork, pending=True).update(pending=False)
        KworkFile.objects.filter(kwork=kwork, pending=True).update(pending=False)
        kwork.review_requested_at = None
        kwork.reject_reason, kwork.reject_note = "", ""
        kwork.moderated_at, kwork.moderated_by = now, moderator
        kwork.save()
        catalogue_changed()
        _notify(
            user=kwork.seller,
            kind="kwork_moderation",
            title=f"Your Kwork “{kwork.title}” is approved" + ("" if first_approval else ": changes are live"),
            body="It is now in the catalogue." if first_approval else "Your changes are now shown to buyers.",
            url=kwork.get_absolute_url(),
        )
    return kwork


def kwork_reject(*, kwork, moderator, reason, note=""):
    """Reject with a reason the seller sees on the Kwork and in a notification. For an approved Kwork only the
    pending changes are rejected; the approved version stays on sale."""
    if reason not in Kwork.RejectReason.values:
        raise DomainError("Choose a reason for the rejection.")
    note = (note or "").strip()
    if reason == Kwork.RejectReason.OTHER and not note:
        raise DomainError("Explain the reason to the seller when you choose “Other”.")
    with transaction.atomic():
        kwork = Kwork.objects.select_for_update().get(pk=kwork.pk)
        if kwork.review_requested_at is None:
            raise DomainError(f"“{kwork.title}” is not waiting for moderation.")
        if kwork.approved_at is None:
            kwork.status = Status.REJECTED
        kwork.review_requested_at = None
        kwork.reject_reason, kwork.reject_note = reason, note
        kwork.moderated_at, kwork.moderated_by = timezone.now(), moderator
        kwork.save()
        label = Kwork.RejectReason(reason).label
        _notify(
            user=kwork.seller,
            kind="kwork_moderation",
            title=f"Your Kwork “{kwork.title}” was rejected"
            if kwork.approved_at is None
            else f"The changes to “{kwork.title}” were rejected",
            body=f"Reason: {label}." + (f" {note}" if note else "") + " Edit it and send it again.",
            url=reverse("marketplace:kwork_edit", args=[kwork.pk]),
        )
    return kwork


# --- pause, weekends, automatic pause (C9–C11) -----------------------------------------------------------


def kwork_pause(*, seller, kwork):
    """C9: hidden from the catalogue and not orderable; rating and position are untouched."""
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.status != Status.ACTIVE:
            raise DomainError("Only an active Kwork can be paused.")
        kwork.status = Status.PAUSED
        kwork.save(update_fields=["status"])
        catalogue_changed()
    return kwork


def kwork_activate(*, seller, kwork):
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.status != Status.PAUSED:
            raise DomainError("Only a paused Kwork can be activated.")
        kwork.status = Status.ACTIVE
        kwork.auto_paused = seller_profile_for(seller).autopaused
        kwork.save(update_fields=["status", "auto_paused"])
        catalogue_changed()
    return kwork


def _hides_weekends(seller):
    return SellerProfile.objects.filter(user=seller, hide_on_weekends=True).exists()


def seller_weekend_setting_set(*, seller, hide_on_weekends, now=None):
    """C10: the seller's "hide my Kworks on weekends" switch; applies at once when it is the weekend."""
    hide = bool(hide_on_weekends)
    with transaction.atomic():
        profile = seller_profile_for(seller)
        profile.hide_on_weekends = hide
        profile.save(update_fields=["hide_on_weekends"])
        Kwork.objects.filter(seller=seller).update(
            seller_hides_weekends=hide, weekend_hidden=hide and is_weekend_window(now)
        )
        catalogue_changed()
    return profile


def kworks_weekend_sync(*, now=None):
    """C10 beat job: hide the Kworks of sellers who asked for it during the weekend window, show them after.
    Idempotent; returns (hidden, shown) row counts."""
    weekend = is_weekend_window(now)
    with transaction.atomic():
        if weekend:
            hidden = Kwork.objects.filter(seller_hides_weekends=True, weekend_hidden=False).update(
                weekend_hidden=True
            )
            shown = Kwork.objects.filter(seller_hides_weekends=False, weekend_hidden=True).update(
                weekend_hidden=False
            )
        else:
            hidden = 0
            shown = Kwork.objects.filter(weekend_hidden=True).update(weekend_hidden=False)
        if hidden or shown:
            catalogue_changed()
    return hidden, shown


def kwork_autopause_sync(*, seller, in_progress_count):
    """C11(b): called by the orders app whenever the seller's number of orders in progress changes.

    More than AUTOPAUSE_ABOVE_IN_PROGRESS (12) → all the seller's active Kworks are auto-paused (hidden from
    the catalogue, still orderable from Favourites or by direct link). They come back when only
    AUTOPAUSE_RESUME_AT_IN_PROGRESS (7) or fewer remain. Manual pauses are never touched. Idempotent.
    Returns True when the seller is auto-paused after the call."""
    with transaction.atomic():
        profile, _ = SellerProfile.objects.select_for_update().get_or_create(user=seller)
        profile.in_progress_count = in_progress_count
        changed = ["in_progress_count"]
        if in_progress_count > rules.AUTOPAUSE_ABOVE_IN_PROGRESS and not profile.autopaused:
            profile.autopaused, profile.autopaused_at = True, timezone.now()
            changed += ["autopaused", "autopaused_at"]
            Kwork.objects.filter(seller=seller).update(auto_paused=True)
            catalogue_changed()
            _notify(
                user=seller,
                kind="kwork_autopause",
                title="Your Kworks are paused automatically",
                body=(
                    f"You have {in_progress_count} orders in progress. Your Kworks are hidden from the catalogue "
                    f"until only {rules.AUTOPAUSE_RESUME_AT_IN_PROGRESS} remain; buyers can still order them "
                    "from Favourites or by direct link."
                ),
                url=reverse("marketplace:my_kworks"),
            )
        elif in_progress_count <= rules.AUTOPAUSE_RESUME_AT_IN_PROGRESS and profile.autopaused:
            profile.autopaused, profile.autopaused_at = False, None
            changed += ["autopaused", "autopaused_at"]
            Kwork.objects.filter(seller=seller).update(auto_paused=False)
            catalogue_changed()
        profile.save(update_fields=changed)
    return profile.autopaused


# --- figures fed by ratings and orders (C12 sorting) -----------------------------------------------------


def seller_stats_sync(*, seller, rating, feedback_count, responsibility=0.0, level=hooks.NEWBIE):
    """The ratings app calls this when a seller's figures change; copied onto the Kworks for fast sorting."""
    with transaction.atomic():
        updated = Kwork.objects.filter(seller=seller).update(
            seller_rating=rating,
            seller_feedback_count=feedback_count,
            seller_responsibility=responsibility,
            seller_level=level,
        )
        catalogue_changed()
    return updated


def kwork_stats_sync(*, kwork, rating, feedback_count, conversion=0.0, orders_count=0, top_rated=False):
    with transaction.atomic():
        updated = Kwork.objects.filter(pk=kwork.pk).update(
            rating=rating,
            feedback_count=feedback_count,
            conversion=conversion,
            orders_count=orders_count,
            top_rated=top_rated,
        )
        catalogue_changed()
    return updated


# --- favourites and cart (C13) ---------------------------------------------------------------------------


def _visible_kwork(pk):
    return get_object_or_404(Kwork.objects.filter(Q(status=Status.ACTIVE) | Q(status=Status.PAUSED)), pk=pk)


def favourite_toggle(*, user, kwork_id):
    """Add or remove the heart; returns True when the Kwork is now a favourite."""
    kwork = _visible_kwork(kwork_id)
    with transaction.atomic():
        deleted, _ = Favourite.objects.filter(user=user, kwork=kwork).delete()
        if deleted:
            return False
        Favourite.objects.get_or_create(user=user, kwork=kwork)
    return True


def cart_add(*, user, kwork_id, quantity=1, option_ids=(), package=None):
    """Put a Kwork with its choice into the cart; the same choice again adds to the quantity."""
    kwork = get_object_or_404(Kwork.objects.prefetch_related("options", "packages"), pk=kwork_id)
    refusal = kwork.order_refusal(user)
    if refusal:
        raise DomainError(refusal)
    quote = price_quote(kwork=kwork, quantity=quantity, option_ids=option_ids, package=package)
    option_pks = sorted(option.pk for option in quote.options)
    package_id = quote.package.pk if quote.package else None
    with transaction.atomic():
        for item in CartItem.objects.select_for_update().filter(user=user, kwork=kwork, package_id=package_id):
            if sorted(item.options.values_list("pk", flat=True)) == option_pks:
                new_quantity = item.quantity + quote.quantity
                if new_quantity > rules.MAX_QUANTITY:
                    raise DomainError(f"You can order from 1 to {rules.MAX_QUANTITY} units at once.")
                item.quantity = new_quantity
                item.added_at = timezone.now()
                item.save(update_fields=["quantity", "added_at"])
                return item
        item = CartItem.objects.create(user=user, kwork=kwork, quantity=quote.quantity, package_id=package_id)
        item.options.set(option_pks)
    return item


def cart_item_update(*, user, item_id, quantity):
    with transaction.atomic():
        item = get_object_or_404(CartItem.objects.select_for_update(), user=user, pk=item_id)
        price_quote(kwork=item.kwork, quantity=quantity, option_ids=item.option_ids, package=item.package)
        item.quantity = int(quantity)
        item.save(update_fields=["quantity"])
    return item


def cart_item_remove(*, user, item_id):
    deleted, _ = CartItem.objects.filter(user=user, pk=item_id).delete()
    if not deleted:
        raise DomainError("This item is no longer in your cart.")


def cart_purge_expired(*, now=None):
    """C13 beat job: cart items are kept CART_ITEM_KEEP_DAYS days. Returns the number removed."""
    cutoff = (now or timezone.now()) - timedelta(days=rules.CART_ITEM_KEEP_DAYS)
    total = 0
    while True:
        ids = list(CartItem.objects.filter(added_at__lt=cutoff).values_list("pk", flat=True)[:1000])
        if not ids:
            return total
        CartItem.objects.filter(pk__in=ids).delete()
        total += len(ids)
