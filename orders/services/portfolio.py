"""C14: the buyer's consent to publish the result, and the seller's portfolio upload from the order page.

- Accepting the work (O6) asks the buyer to choose, yes or no, nothing preselected. An order completed otherwise
  (automatically after the review days, or by arbitration) was never asked (`portfolio_consent` None): the buyer
  may allow it later from the order page.
- Consent may be withdrawn within rules.PORTFOLIO_REVOKE_DAYS of giving it; the item is then deleted with its file.
- Without consent no upload is accepted and nothing is stored.
- Each change re-counts the Kwork's completed orders with consent, which C11(a) compares with its portfolio items
  (marketplace.services.portfolio); orders without consent are left out of that count.

Locks: the order row first, then (inside marketplace) the Kwork row."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.rules import NotificationKind
from common.errors import DomainError
from common.uploads import ALLOWED_TYPES, IMAGE_EXTENSIONS, validate_attachment
from marketplace import services as marketplace_services

from .. import rules
from ..lock_objects import order_lock
from ..models import Order
from .common import Event, S, event, notify, now, refuse_state, require_buyer, require_seller
from .lifecycle import order_accept_delivery

VIDEO_EXTENSIONS = ("avi", "mpeg", "mpg", "mov", "rm", "3gp", "flv", "mp4")
# C6 types that make a portfolio item: images and videos (no archives or sounds).
PORTFOLIO_TYPES = {ext: ALLOWED_TYPES[ext] for ext in (*IMAGE_EXTENSIONS, *VIDEO_EXTENSIONS)}

CHOICE_REQUIRED = "Please choose whether the seller may show the result in their portfolio."
NOT_COMPLETED = "The portfolio is decided once the order is completed."
NO_CONSENT = (
    "The buyer did not allow publishing the result of this order, so it cannot be added to your portfolio. "
    "Nothing was uploaded."
)
NOT_ASKED = (
    "The buyer has not allowed publishing the result of this order yet, so it cannot be added to your portfolio. "
    "Nothing was uploaded."
)


def revocable_until(order):
    """Until when the buyer may withdraw a consent given (None without one)."""
    if not order.portfolio_consent or order.portfolio_consent_at is None:
        return None
    return order.portfolio_consent_at + timedelta(days=rules.PORTFOLIO_REVOKE_DAYS)


def _sync_kwork(order):
    """C11(a): the Kwork's number of completed orders with consent, counted under its row lock."""
    marketplace_services.kwork_portfolio_orders_set(
        kwork=order.kwork,
        count=lambda: Order.objects.filter(
            kwork_id=order.kwork_id, status=S.COMPLETED, portfolio_consent=True
        ).count(),
    )


def _record(order, *, consent, actor, at):
    order.portfolio_consent, order.portfolio_consent_at = consent, at
    order.save(update_fields=["portfolio_consent", "portfolio_consent_at"])
    event(
        order,
        kind=Event.PORTFOLIO,
        actor=actor,
        reason=(
            "The buyer allowed the seller to show the result in their portfolio"
            if consent
            else "The buyer did not allow the result in the seller's portfolio"
        ),
        at=at,
    )
    if consent:
        notify(
            order.seller,
            kind=NotificationKind.ORDER_STATUS,
            title=f"You may add the result of order #{order.pk} to your portfolio",
            body="The buyer allowed it. Upload the final image or video from the order page.",
            order=order,
        )
    _sync_kwork(order)
    return order


def _consent_from(value):
    if not isinstance(value, bool):  # 1 or "yes" is not a choice the buyer made
        raise DomainError(CHOICE_REQUIRED, field="portfolio_consent")
    return value


@transaction.atomic
def order_accept_with_portfolio_choice(*, order, buyer, portfolio_consent):
    """O6 + C14: the buyer accepts the work and says whether the seller may publish the result (True/False; no
    default). Who may act and the order's state are checked before the choice, and nothing changes on a refusal."""
    locked = order_lock(order)
    require_buyer(locked, buyer, "accept the work")
    refuse_state(locked, S.DELIVERED)
    consent = _consent_from(portfolio_consent)
    order = order_accept_delivery(order=locked, buyer=buyer)
    return _record(order, consent=consent, actor=buyer, at=order.completed_at)


@transaction.atomic
def order_portfolio_consent_set(*, order, buyer, consent):
    """C14 after completion: allow (also when never asked, or after a "no"), or withdraw within
    PORTFOLIO_REVOKE_DAYS of allowing — which deletes the uploaded item."""
    order = order_lock(order)
    require_buyer(order, buyer, "decide about the portfolio")
    if order.status != S.COMPLETED:
        raise DomainError(NOT_COMPLETED)
    consent = _consent_from(consent)
    at = now()
    if consent:
        if order.portfolio_consent:
            raise DomainError("You have already allowed the seller to show this result.")
        return _record(order, consent=True, actor=buyer, at=at)
    if order.portfolio_consent is False:
        raise DomainError("You have already said no: the seller cannot show this result.")
    if order.portfolio_consent and at >= revocable_until(order):
        raise DomainError(
            f"Your consent can be withdrawn only within {rules.PORTFOLIO_REVOKE_DAYS} days of giving it; that time "
            "is over. Please contact Support if the result must be taken down."
        )
    marketplace_services.portfolio_item_remove(order_id=order.pk)
    return _record(order, consent=False, actor=buyer, at=at)


@transaction.atomic
def order_portfolio_upload(*, order, seller, upload):
    """C14: the seller adds the final product (an image or a video, C6 checks) of a completed order whose buyer
    allowed it. Replaces an earlier upload of the same order. Refusals store nothing."""
    order = order_lock(order)
    require_seller(order, seller, "add the result to the portfolio")
    if order.status != S.COMPLETED:
        raise DomainError("The result can be added to your portfolio once the buyer has accepted the order.")
    if order.portfolio_consent is None:
        raise DomainError(NOT_ASKED)
    if not order.portfolio_consent:
        raise DomainError(NO_CONSENT)
    if not upload:
        raise DomainError("Choose an image or a video of the result.", field="file")
    try:
        validate_attachment(upload, allowed=PORTFOLIO_TYPES)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="file") from exc
    extension = upload.name.rsplit(".", 1)[-1].lower()
    item = marketplace_services.portfolio_item_add(
        kwork=order.kwork,
        seller=order.seller,
        order_id=order.pk,
        upload=upload,
        is_video=extension in VIDEO_EXTENSIONS,
        revocable_until=revocable_until(order),
    )
    event(order, kind=Event.PORTFOLIO, actor=seller, reason="The seller added the result to their portfolio")
    return item


@transaction.atomic
def order_portfolio_remove(*, order, seller):
    """The seller takes the result of this order out of their portfolio (C11(a) counts again)."""
    order = order_lock(order)
    require_seller(order, seller, "remove the result from the portfolio")
    if not marketplace_services.portfolio_item_remove(order_id=order.pk):
        raise DomainError("This order has no result in your portfolio.")
    event(order, kind=Event.PORTFOLIO, actor=seller, reason="The seller removed the result from their portfolio")
    return order
