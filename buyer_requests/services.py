"""Every write of buyer requests (Q1–Q4, A4, C6): posting, moderation, closing, the expiry sweep, offers,
ordering an offer, the sellers' category alerts and their digests (Q2)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.rules import NotificationKind
from common.contacts import ensure_no_contacts
from common.errors import DomainError
from common.money import format_cents
from marketplace import hooks
from marketplace.models import Category, Kwork
from orders import services as order_services

from . import rules
from .models import BuyerRequest, RequestAlert, RequestFile, RequestOffer, RequestSubscription

Status = BuyerRequest.Status
User = get_user_model()

CLOSED_REFUSAL = "This request is no longer open for offers."
SECOND_OFFER_REFUSAL = "You have already made an offer on this request."
NEWBIE_INDIVIDUAL_REFUSAL = (
    "Individual offers are open to Advanced and Professional sellers. As a Newbie, answer with one of your "
    "active Kworks in the request's category."
)


def _now():
    return timezone.now()


def _hours(n):
    return f"{n} hour{'s' if n != 1 else ''}"


# --- posting and moderation (Q1, A4, C6) ------------------------------------------------------------------


def request_create(*, buyer, title, description, subcategory, budget_cents, files=()):
    """Q1: the buyer posts a request; it waits for a moderator. A4: only with a confirmed e-mail. At most
    MAX_OPEN_PER_BUYER requests may wait or be open at once (the buyer's row is locked, so two posts at once
    cannot both pass the count)."""
    account_services.ensure_email_confirmed(user=buyer, action="post a request")
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        raise DomainError("Give the request a title.", field="title")
    if not description:
        raise DomainError("Describe what you need.", field="description")
    ensure_no_contacts(title, what="The title", field="title")
    ensure_no_contacts(description, what="The description", field="description")
    if subcategory is None or not subcategory.is_subcategory:
        raise DomainError("Choose the subcategory that fits your task.", field="subcategory")
    if not rules.BUDGET_MIN_CENTS <= budget_cents <= rules.BUDGET_MAX_CENTS:
        raise DomainError(
            f"The budget must be from {format_cents(rules.BUDGET_MIN_CENTS)} "
            f"to {format_cents(rules.BUDGET_MAX_CENTS)}.",
            field="budget",
        )
    if len(files) > rules.MAX_FILES:
        raise DomainError(f"Attach at most {rules.MAX_FILES} files.", field="files")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=buyer.pk).first()
        open_count = BuyerRequest.objects.filter(buyer=buyer, status__in=(Status.PENDING, Status.ACTIVE)).count()
        if open_count >= rules.MAX_OPEN_PER_BUYER:
            raise DomainError(
                f"You already have {rules.MAX_OPEN_PER_BUYER} requests waiting for moderation or open. "
                "Close one before posting another."
            )
        request = BuyerRequest.objects.create(
            buyer=buyer,
            title=title,
            description=description,
            subcategory=subcategory,
            budget_cents=budget_cents,
        )
        for upload in files:
            RequestFile.objects.create(request=request, file=upload, name=upload.name[:200], size=upload.size)
    return request


def _locked(request):
    return BuyerRequest.objects.select_for_update().get(pk=request.pk)


def request_activate(*, request, moderator):
    """Q1: a moderator publishes a waiting request; it takes offers for OPEN_HOURS. Sellers who follow its
    category hear of it in their next digest (Q2)."""
    with transaction.atomic():
        request = _locked(request)
        if request.status != Status.PENDING:
            raise DomainError(
                f"Only a request waiting for moderation can be activated (this one is {request.get_status_display().lower()})."
            )
        at = _now()
        request.status = Status.ACTIVE
        request.moderated_at = at
        request.moderated_by = moderator
        request.activated_at = at
        request.active_until = at + timedelta(hours=rules.OPEN_HOURS)
        request.save(update_fields=["status", "moderated_at", "moderated_by", "activated_at", "active_until"])
        _alerts_queue(request, at=at)
        account_services.notification_send(
            user=request.buyer,
            kind=NotificationKind.BUYER_REQUEST,
            title=f"Your request “{request.title}” is published",
            body=f"Sellers can send offers for the next {_hours(rules.OPEN_HOURS)}.",
            url=request.get_absolute_url(),
        )
    return request


def request_reject(*, request, moderator, reason):
    """Q1: a moderator turns a waiting request down with a reason the buyer sees."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the buyer a reason for the rejection.", field="reason")
    with transaction.atomic():
        request = _locked(request)
        if request.status != Status.PENDING:
            raise DomainError(
                f"Only a request waiting for moderation can be rejected (this one is {request.get_status_display().lower()})."
            )
        at = _now()
        request.status = Status.REJECTED
        request.reject_reason = reason[: rules.REJECT_REASON_MAX_LENGTH]
        request.moderated_at = at
        request.moderated_by = moderator
        request.closed_at = at
        request.save(update_fields=["status", "reject_reason", "moderated_at", "moderated_by", "closed_at"])
        account_services.notification_send(
            user=request.buyer,
            kind=NotificationKind.BUYER_REQUEST,
            title=f"Your request “{request.title}” was not published",
            body=f"The moderator's reason: {request.reject_reason}",
            url=request.get_absolute_url(),
        )
    return request


def request_close(*, request, buyer):
    """Q1: the buyer closes their request early (waiting or open). The offers stay and can still be ordered."""
    with transaction.atomic():
        request = _locked(request)
        if request.buyer_id != buyer.pk:
            raise DomainError("Only the buyer who posted this request can close it.")
        if request.status not in (Status.PENDING, Status.ACTIVE):
            raise DomainError("This request is already closed.")
        request.status = Status.CLOSED
        request.closed_at = _now()
        request.save(update_fields=["status", "closed_at"])
    return request


def requests_expire(*, now=None, batch_size=rules.SWEEP_BATCH):
    """Q1, beat: open requests past `active_until` become expired. Due rows are taken by the indexed deadline in
    short batches with SKIP LOCKED, so two sweeps at once never take the same request (and a buyer closing one
    meanwhile just makes the sweep skip it). Returns how many expired."""
    now = now or _now()
    done = 0
    while True:
        with transaction.atomic():
            ids = list(
                BuyerRequest.objects.select_for_update(skip_locked=True)
                .filter(status=Status.ACTIVE, active_until__lte=now)
                .order_by("active_until", "pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return done
            done += BuyerRequest.objects.filter(pk__in=ids, status=Status.ACTIVE).update(
                status=Status.EXPIRED, closed_at=now
            )


# --- offers (Q3) ------------------------------------------------------------------------------------------


def kwork_offer_refusal(*, kwork, seller, request):
    """Why `kwork` cannot answer `request` (Q3: the seller's own active Kwork in the request's category)."""
    if kwork is None or kwork.seller_id != seller.pk:
        return "Choose one of your own Kworks."
    if kwork.status != Kwork.Status.ACTIVE:
        return f"“{kwork.title}” is not on sale, so it cannot be offered. Choose an active Kwork."
    if kwork.category.parent_id != request.subcategory.parent_id:
        return (
            f"“{kwork.title}” is in another category. Answer with one of your Kworks in "
            f"{request.subcategory.parent.name}."
        )
    return None


def offer_refusal(*, request, seller, now=None):
    """Why `seller` may not answer `request` at all now, or None (the page asks before showing the form)."""
    if not seller.is_authenticated:
        return "Log in to make an offer."
    if request.buyer_id == seller.pk:
        return "You cannot make an offer on your own request."
    if not request.is_open(now):
        return CLOSED_REFUSAL
    if RequestOffer.objects.filter(request=request, seller=seller).exists():
        return SECOND_OFFER_REFUSAL
    return None


def may_offer_individually(seller):
    """Q3/R8: Advanced and Professional sellers may answer with an individual offer (C15)."""
    return hooks.seller_level(seller) in (hooks.ADVANCED, hooks.PROFESSIONAL)


def request_offer_create(*, request, seller, message, kwork=None, individual=None):
    """Q3: one offer per seller per request, with a message, while the request is open. A Newbie answers only
    with one of their active Kworks in the request's category; Advanced and Professional sellers may instead
    send an individual offer (C15): `individual` holds its fields (kwork, title, description, price_cents,
    lead_time_days, expires_in_days) and offers.services.offer_create makes it."""
    message = (message or "").strip()
    if not message:
        raise DomainError("Write the buyer a message with your offer.", field="message")
    if len(message) > rules.OFFER_MESSAGE_MAX_LENGTH:
        raise DomainError(f"Keep the message under {rules.OFFER_MESSAGE_MAX_LENGTH} characters.", field="message")
    ensure_no_contacts(message, what="Your message", field="message")
    if individual is not None and not may_offer_individually(seller):
        raise DomainError(NEWBIE_INDIVIDUAL_REFUSAL)
    try:
        with transaction.atomic():
            request = (
                BuyerRequest.objects.select_for_update(of=("self",))
                .select_related("subcategory__parent")
                .get(pk=request.pk)
            )
            refusal = offer_refusal(request=request, seller=seller)
            if refusal:
                raise DomainError(refusal)
            individual_offer = None
            if individual is not None:
                individual_offer = _individual_offer_create(request=request, seller=seller, fields=individual)
            else:
                if kwork is not None:
                    kwork = Kwork.objects.select_related("category").filter(pk=kwork.pk).first()
                refusal = kwork_offer_refusal(kwork=kwork, seller=seller, request=request)
                if refusal:
                    raise DomainError(refusal, field="kwork")
            offer = RequestOffer.objects.create(
                request=request, seller=seller, message=message, kwork=kwork, individual_offer=individual_offer
            )
            account_services.notification_send(
                user=request.buyer,
                kind=NotificationKind.BUYER_REQUEST,
                title=f"A new offer on your request “{request.title}”",
                body=f"{seller.public_name} answered your request.",
                url=request.get_absolute_url(),
            )
    except IntegrityError:
        # Two offers of one seller at once: the unique constraint lets one through.
        raise DomainError(SECOND_OFFER_REFUSAL) from None
    return offer


def _individual_offer_create(*, request, seller, fields):
    from offers import services as offer_services

    # The offer is built on one of the seller's own active Kworks (offers.services checks); any category.
    return offer_services.offer_create(
        seller=seller,
        buyer=request.buyer,
        kwork=fields.get("kwork"),
        title=fields.get("title"),
        description=fields.get("description"),
        price_cents=fields.get("price_cents"),
        lead_time_days=fields.get("lead_time_days"),
        **({"expires_in_days": fields["expires_in_days"]} if fields.get("expires_in_days") else {}),
    )


# --- ordering an offer (Q4, O1) ---------------------------------------------------------------------------


def request_offer_order(*, offer, buyer):
    """Q4: the buyer orders an offer, at any time, also after the request closed or expired. A Kwork offer
    places an order of the Kwork (O1: paid into escrow at once); an individual offer is accepted through
    offers.services (its frozen price and lead time). Too little money raises payments' InsufficientFunds and
    nothing changes. The offer's row is locked, so a double click makes one order (the second gets it back)."""
    with transaction.atomic():
        offer = (
            RequestOffer.objects.select_for_update(of=("self",))
            .select_related("request", "kwork", "individual_offer")
            .get(pk=offer.pk)
        )
        if offer.request.buyer_id != buyer.pk:
            raise DomainError("Only the buyer who posted the request can order its offers.")
        if offer.order_id:
            return offer.order
        if offer.individual_offer_id:
            from offers import services as offer_services

            order = offer_services.offer_accept(offer=offer.individual_offer, buyer=buyer)
        else:
            order = order_services.order_place(
                buyer=buyer, kwork=offer.kwork, idempotency_key=f"request-offer-{offer.pk}"
            )
        offer.order = order
        offer.save(update_fields=["order"])
    return order


# --- category alerts and digests (Q2) ---------------------------------------------------------------------


def subscriptions_set(*, seller, categories):
    """Q2: the categories (or subcategories) whose new requests the seller wants to hear of."""
    wanted = {category.pk for category in categories}
    with transaction.atomic():
        RequestSubscription.objects.filter(seller=seller).exclude(category_id__in=wanted).delete()
        RequestSubscription.objects.bulk_create(
            [RequestSubscription(seller=seller, category_id=pk) for pk in sorted(wanted)], ignore_conflicts=True
        )
    return wanted


def _alerts_queue(request, *, at):
    """Q2: one pending alert per subscribed seller (a category covers its subcategories); the digest sends."""
    category_ids = [request.subcategory_id]
    parent_id = Category.objects.filter(pk=request.subcategory_id).values_list("parent_id", flat=True).first()
    if parent_id:
        category_ids.append(parent_id)
    seller_ids = (
        RequestSubscription.objects.filter(category_id__in=category_ids)
        .exclude(seller_id=request.buyer_id)
        .values_list("seller_id", flat=True)
        .distinct()
    )
    RequestAlert.objects.bulk_create(
        [RequestAlert(seller_id=pk, request=request, created_at=at) for pk in seller_ids], ignore_conflicts=True
    )


def request_digests_send(*, now=None, batch_size=rules.SWEEP_BATCH):
    """Q2, beat every DIGEST_INTERVAL_MINUTES: each seller with pending alerts gets ONE notification (and so one
    e-mail) naming the requests still open, however many arrived since the last digest. Sellers are taken in
    batches and their alerts locked with SKIP LOCKED, so two runs never send one alert twice. Returns how many
    digests went out."""
    now = now or _now()
    sent = 0
    after = 0
    browse = reverse("buyer_requests:browse")
    while True:
        seller_ids = list(
            RequestAlert.objects.filter(sent_at__isnull=True, seller_id__gt=after)
            .order_by("seller_id")
            .values_list("seller_id", flat=True)
            .distinct()[:batch_size]
        )
        if not seller_ids:
            return sent
        after = seller_ids[-1]
        with transaction.atomic():
            alerts = list(
                RequestAlert.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, seller_id__in=seller_ids)
                .order_by("seller_id", "id")
            )
            open_requests = {
                request.pk: request
                for request in BuyerRequest.objects.filter(
                    pk__in={alert.request_id for alert in alerts}, status=Status.ACTIVE, active_until__gt=now
                ).only("pk", "title")
            }
            by_seller = {}
            for alert in alerts:
                if alert.request_id in open_requests:
                    by_seller.setdefault(alert.seller_id, []).append(open_requests[alert.request_id])
            sellers = {user.pk: user for user in User.objects.filter(pk__in=by_seller)}
            notifications = [
                _digest(sellers[seller_id], found, url=browse) for seller_id, found in by_seller.items()
            ]
            if notifications:
                account_services.notifications_send_many(notifications=notifications)
            RequestAlert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(sent_at=now)
            sent += len(notifications)


def _digest(seller, found, *, url):
    shown = rules.DIGEST_MAX_TITLES
    lines = "\n".join(f"• {request.title}" for request in found[:shown])
    more = f"\n…and {len(found) - shown} more." if len(found) > shown else ""
    count = len(found)
    return {
        "user": seller,
        "kind": NotificationKind.REQUEST_DIGEST,
        "title": f"{count} new request{'s' if count != 1 else ''} from buyers in your categories",
        "body": lines + more,
        "url": url,
    }


def request_alerts_purge(*, older_than_days=rules.ALERTS_KEEP_DAYS):
    """Sent alerts are only bookkeeping; keep the table small."""
    cutoff = _now() - timedelta(days=older_than_days)
    deleted, _ = RequestAlert.objects.filter(sent_at__lt=cutoff).delete()
    return deleted
