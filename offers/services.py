"""Every write of individual offers (SPEC C15, R8, Q3's individual-offer half). Views, the buyer_requests app and
the sweep call these; keyword-only arguments, one transaction each, the offer row locked before it changes.

    offer_create(*, seller, buyer, kwork, title, description, price_cents, lead_time_days,
                 expires_in_days=rules.EXPIRY_DEFAULT_DAYS, conversation=None) -> IndividualOffer
    offer_withdraw(*, offer, seller) -> IndividualOffer
    offer_accept(*, offer, buyer) -> Order        (O1 through orders.services.order_place_custom)
    offers_expire(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE) -> int
    offer_ask(*, buyer, seller, text) -> messaging Message   (the buyer's request from the seller's profile)

Accepting and withdrawing both lock the offer row first, so a buyer accepting while the seller withdraws ends
with exactly one of them: the second waits for the lock and then finds the offer no longer pending.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import services as account_services
from common import dates
from common.contacts import ensure_no_contacts
from common.errors import DomainError
from common.money import format_cents
from marketplace import hooks
from marketplace.models import Kwork
from orders import services as order_services

from . import rules, threads
from .models import IndividualOffer

Status = IndividualOffer.Status

NEWBIE_REFUSAL = (
    "Individual offers are for Advanced and Professional sellers. As a Newbie you can offer one of your "
    "Kworks instead; your level rises with completed orders and good feedback."
)


def _now():
    return timezone.now()


def _clean_text(value, *, what, min_length, max_length, field):
    value = (value or "").strip()
    if len(value) < min_length:
        raise DomainError(f"{what} is too short: at least {min_length} characters.", field=field)
    if len(value) > max_length:
        raise DomainError(f"{what} is too long: at most {max_length:,} characters.", field=field)
    ensure_no_contacts(value, what=what, field=field)
    return value


def _whole(value, *, message, field):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(message, field=field) from None
    if str(number) != str(value).strip() and not isinstance(value, int):
        raise DomainError(message, field=field)
    return number


def price_refusal(price_cents):
    if not rules.PRICE_MIN_CENTS <= price_cents <= rules.PRICE_MAX_CENTS:
        return (
            f"The price of an individual offer must be from {format_cents(rules.PRICE_MIN_CENTS)} "
            f"to {format_cents(rules.PRICE_MAX_CENTS)}."
        )
    return None


def offer_refusal_for(seller):
    """Why `seller` may not send individual offers at all (R8), or None. Pages ask before showing the form."""
    if hooks.seller_level(seller) not in rules.LEVELS_ALLOWED:
        return NEWBIE_REFUSAL
    return None


def ask_text(kwork_title=None):
    """What the buyer's request for an offer says unless they change it."""
    return f"{rules.ASK_MESSAGE}{f'something like “{kwork_title}”' if kwork_title else 'a custom job'}: "


def offer_ask(*, buyer, seller, text):
    """C15: the buyer asks a seller for an individual offer from the seller's profile: a message in their
    conversation (started now if they have none). Returns the message."""
    if buyer.pk == seller.pk:
        raise DomainError("You cannot ask yourself for an individual offer.")
    if offer_refusal_for(seller):
        raise DomainError(
            f"{seller.public_name} cannot send individual offers yet (Newbie sellers cannot). "
            "You can order one of their Kworks or write to them."
        )
    return threads.ask_start(buyer=buyer, seller=seller, text=text)


def offer_create(
    *,
    seller,
    buyer,
    kwork,
    title,
    description,
    price_cents,
    lead_time_days,
    expires_in_days=rules.EXPIRY_DEFAULT_DAYS,
    conversation=None,
):
    """C15: the seller offers `buyer` a custom Kwork built on one of their own Kworks, frozen as sent. In a
    conversation (`conversation`, the pair's messaging.Conversation) at most one offer waits at a time; in answer
    to a buyer request the caller passes no conversation and links the offer itself."""
    account_services.ensure_email_confirmed(user=seller, action="send an individual offer")
    refusal = offer_refusal_for(seller)
    if refusal:
        raise DomainError(refusal)
    if buyer is None or buyer.pk == seller.pk:
        raise DomainError("You cannot send an individual offer to yourself.")
    if kwork is None or kwork.seller_id != seller.pk:
        raise DomainError("Choose one of your own Kworks to build the offer on.", field="kwork")
    if kwork.status != Kwork.Status.ACTIVE:
        raise DomainError(
            f"“{kwork.title}” is not on sale, so an offer cannot be built on it. Choose an active Kwork.",
            field="kwork",
        )
    title = _clean_text(
        title,
        what="The offer's title",
        min_length=rules.TITLE_MIN_LENGTH,
        max_length=rules.TITLE_MAX_LENGTH,
        field="title",
    )
    description = _clean_text(
        description,
        what="The offer's description",
        min_length=rules.DESCRIPTION_MIN_LENGTH,
        max_length=rules.DESCRIPTION_MAX_LENGTH,
        field="description",
    )
    price_cents = _whole(price_cents, message="Give the price as a whole number of cents.", field="price")
    refusal = price_refusal(price_cents)
    if refusal:
        raise DomainError(refusal, field="price")
    lead_time_days = _whole(lead_time_days, message="Give the lead time in whole days.", field="lead_time_days")
    if not rules.LEAD_TIME_MIN_DAYS <= lead_time_days <= rules.LEAD_TIME_MAX_DAYS:
        raise DomainError(
            f"The lead time must be from {rules.LEAD_TIME_MIN_DAYS} to {rules.LEAD_TIME_MAX_DAYS} days.",
            field="lead_time_days",
        )
    expires_in_days = _whole(expires_in_days, message="Give the expiry in whole days.", field="expires_in_days")
    if not rules.EXPIRY_MIN_DAYS <= expires_in_days <= rules.EXPIRY_MAX_DAYS:
        raise DomainError(
            f"The offer may stay open from {rules.EXPIRY_MIN_DAYS} to {rules.EXPIRY_MAX_DAYS} days.",
            field="expires_in_days",
        )
    if conversation is not None and (conversation.seller_id != seller.pk or conversation.buyer_id != buyer.pk):
        raise DomainError("You can send an offer only in your own conversation with this buyer.")
    at = _now()
    try:
        with transaction.atomic():
            if conversation is not None:
                conversation = threads.conversation_lock(conversation)
                _expire_due(IndividualOffer.objects.filter(conversation=conversation), at=at)
                if IndividualOffer.objects.filter(conversation=conversation, status=Status.PENDING).exists():
                    raise DomainError(ONE_PENDING)
            offer = IndividualOffer.objects.create(
                seller=seller,
                buyer=buyer,
                kwork=kwork,
                title=title,
                description=description,
                price_cents=price_cents,
                lead_time_days=lead_time_days,
                created_at=at,
                expires_at=at + timedelta(days=expires_in_days),
                conversation=conversation,
            )
            if conversation is not None:
                _post_to_thread(offer)
    except IntegrityError:
        if conversation is None:
            raise
        # Two offers sent at once in one conversation: the partial unique index lets one through.
        raise DomainError(ONE_PENDING) from None
    return offer


ONE_PENDING = (
    "You already have an offer waiting for this buyer's answer in this conversation. Withdraw it first to send "
    "a different one."
)


def _post_to_thread(offer):
    """The offer appears in the conversation as the seller's message (it is an answer for M2 too)."""
    days = offer.lead_time_days
    offer.message = threads.post_offer_message(
        offer=offer,
        text=f"Individual offer: {offer.title} — {format_cents(offer.price_cents)}, {days} day{'s' if days != 1 else ''}.",
    )
    offer.save(update_fields=["message"])


def _locked(offer):
    return IndividualOffer.objects.select_for_update().get(pk=offer.pk)


def _not_pending_refusal(offer, at, *, acting):
    if offer.status == Status.WITHDRAWN:
        return f"The seller has withdrawn this offer, so it can no longer be {acting}."
    if offer.status == Status.ACCEPTED:
        return f"This offer is already accepted: it is order #{offer.order_id}."
    if offer.is_expired_at(at):
        return f"This offer expired on {dates.format_datetime(offer.expires_at, show_zone=True)}. Ask the seller for a new one."
    return None


def offer_withdraw(*, offer, seller):
    """C15: the seller takes back a pending offer; the thread shows it as withdrawn."""
    with transaction.atomic():
        offer = _locked(offer)
        if offer.seller_id != seller.pk:
            raise DomainError("Only the seller who sent this offer can withdraw it.")
        at = _now()
        refusal = _not_pending_refusal(offer, at, acting="withdrawn")
        if refusal:
            raise DomainError(refusal)
        offer.status = Status.WITHDRAWN
        offer.decided_at = at
        offer.save(update_fields=["status", "decided_at"])
    return offer


def offer_accept(*, offer, buyer):
    """C15/O1: the buyer accepts a pending offer: an order with the offer's title, price and lead time on its
    Kwork, paid into escrow at once. Too little money raises payments' InsufficientFunds (nothing changes; the
    page sends the buyer to add the missing amount and back). A second click returns the same order."""
    with transaction.atomic():
        offer = _locked(offer)
        if offer.seller_id == buyer.pk:
            raise DomainError("You cannot accept your own offer.")
        if offer.buyer_id != buyer.pk:
            raise DomainError("This offer was made to someone else.")
        if offer.status == Status.ACCEPTED:
            return offer.order
        at = _now()
        refusal = _not_pending_refusal(offer, at, acting="accepted")
        if refusal:
            raise DomainError(refusal)
        kwork = Kwork.objects.select_related("seller").get(pk=offer.kwork_id)
        order = order_services.order_place_custom(
            buyer=buyer,
            kwork=kwork,
            title=offer.title,
            price_cents=offer.price_cents,
            lead_time_days=offer.lead_time_days,
        )
        offer.status = Status.ACCEPTED
        offer.order = order
        offer.decided_at = at
        offer.save(update_fields=["status", "order", "decided_at"])
    return order


def _expire_due(queryset, *, at):
    return queryset.filter(status=Status.PENDING, expires_at__lte=at).update(status=Status.EXPIRED, decided_at=at)


def offers_expire(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE):
    """The expiry sweep (beat): pending offers past `expires_at` become expired, in batches taken with
    `skip_locked`, so two sweeps never touch one row and an offer being accepted right now is left to that
    transaction. Returns how many it marked."""
    at = now or _now()
    handled = 0
    while True:
        with transaction.atomic():
            ids = list(
                IndividualOffer.objects.filter(status=Status.PENDING, expires_at__lte=at)
                .order_by("expires_at", "pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return handled
            handled += IndividualOffer.objects.filter(pk__in=ids, status=Status.PENDING).update(
                status=Status.EXPIRED, decided_at=at
            )
        if len(ids) < batch_size:
            return handled
