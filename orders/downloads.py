"""Downloads of an order's private files: requirements and chat attachments (M5), deliveries (O6).

Only the buyer and the seller may fetch them, and Support once the order has been to arbitration (O12: the case
file, and after the decision the record, link them). Anyone else
gets a 404, as for the order page; someone logged out is sent to log in. The check is Django's, the bytes are
sent by nginx in production (common.files.file_response)."""

import mimetypes
import re

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_safe

from accounts.roles import is_support
from common.files import file_response

from .models import DeliveryFile, Order, OrderAttachment

# Stored names are `orders/<order id>/<random>` (orders/models.py).
_NAME = re.compile(r"orders/(?P<order_id>\d+)/[^/]+")
# Images a browser shows by itself: these may be sent inline (`?preview=1`) for the order page's preview of a
# delivery. Anything else (SVG can carry scripts; TIFF is not shown) is always a download.
INLINE_IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/bmp"}


def is_inline_image(filename):
    return mimetypes.guess_type(filename)[0] in INLINE_IMAGE_TYPES


def _order_for(user, order_id):
    order = Order.objects.filter(pk=order_id).only("buyer_id", "seller_id", "arbitration_opened_at").first()
    if order is None:
        raise Http404("No such file.")
    if user.pk in (order.buyer_id, order.seller_id):
        return order
    if order.arbitration_opened_at is not None and is_support(user):
        return order
    raise Http404("No such file.")


@require_safe
@login_required
def order_file(request, name):
    match = _NAME.fullmatch(name)
    if match is None:
        raise Http404("No such file.")
    order = _order_for(request.user, int(match["order_id"]))
    row = (
        DeliveryFile.objects.filter(delivery__order=order, file=name).only("file", "name").first()
        or OrderAttachment.objects.filter(message__order=order, file=name).only("file", "name").first()
    )
    if row is None:
        raise Http404("No such file.")
    inline = request.GET.get("preview") == "1" and is_inline_image(row.name)
    return file_response(row.file, filename=row.name, as_attachment=not inline)
