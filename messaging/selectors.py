"""Reads for the inbox pages, each with a constant number of queries; and the first-response figures the
reputation app reads (R10)."""

from datetime import timedelta
from statistics import median

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone

from common.db import ScalarQuery

from . import rules
from .models import Conversation, FirstResponse, Message, MessageAttachment


def _of(user):
    return Q(buyer=user) | Q(seller=user)


class _Inbox:
    """The inbox rows for Paginator: the count over both sides, and a page read as two ordered index scans (as
    buyer, as seller) each cut at the page's end, merged: the sort never sees more than two pages' worth of rows
    however many conversations the user has."""

    ORDER = ("-last_message_at", "-id")

    def __init__(self, user):
        self.user = user
        self.base = Conversation.objects.filter(last_message__isnull=False)

    def count(self):
        return self.base.filter(_of(self.user)).count()

    def __getitem__(self, window):
        end = window.stop
        ids = []
        for side in ({"buyer": self.user}, {"seller": self.user}):  # two index range scans, never an OR
            ids += self.base.filter(**side).order_by(*self.ORDER).values_list("id", flat=True)[:end]
        return list(
            Conversation.objects.filter(id__in=ids)
            .select_related("buyer", "seller", "last_message")
            .order_by(*self.ORDER)[window]
        )


def inbox_page(*, user, page=1):
    """The user's conversations, latest first, with the other person and the last message joined (4 queries:
    the count, the two sides' ids, the page)."""
    page = Paginator(_Inbox(user), rules.INBOX_PAGE_SIZE).get_page(page)
    for conversation in page.object_list:
        conversation.other = conversation.seller if conversation.buyer_id == user.pk else conversation.buyer
        conversation.unread = conversation.unread_for(user)
        conversation.waiting_for_me = conversation.seller_id == user.pk and conversation.answer_due_at is not None
    return page


def unread_total_query(user):
    """The header's count: unread messages over all the user's conversations, as one scalar query (each side of
    the OR reads its own index: conversation_buyer_inbox / conversation_seller_inbox)."""
    return ScalarQuery(
        "SELECT SUM(CASE WHEN buyer_id = %s THEN buyer_unread ELSE seller_unread END) FROM messaging_conversation "
        "WHERE (buyer_id = %s AND buyer_unread > 0) OR (seller_id = %s AND seller_unread > 0)",
        [user.pk] * 3,
    )


def unread_total(*, user):
    return unread_total_query(user).value()


def conversation_get_for(*, user, pk):
    """Another person's conversation is a 404."""
    conversation = Conversation.objects.select_related("buyer", "seller").filter(pk=pk).first()
    if conversation is None or conversation.party_of(user) is None:
        raise Http404("No such conversation.")
    return conversation


def _messages(conversation):
    return (
        Message.objects.filter(conversation=conversation)
        .select_related("author", "offer__kwork")  # an individual offer (C15) shows as a card in the thread
        .prefetch_related(Prefetch("attachments", queryset=MessageAttachment.objects.order_by("id")))
    )


def thread_messages(*, conversation, before=None):
    """The latest THREAD_PAGE_SIZE messages (or those before the id `before`), oldest first, and whether earlier
    ones exist. Reads the (conversation, id) index backwards: the cost does not grow with the thread."""
    queryset = _messages(conversation)
    if before:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset.order_by("-id")[: rules.THREAD_PAGE_SIZE + 1])
    has_earlier = len(rows) > rules.THREAD_PAGE_SIZE
    return list(reversed(rows[: rules.THREAD_PAGE_SIZE])), has_earlier


def messages_after(*, conversation, after):
    """The htmx refresh: only messages after the last id the page has (index range scan, at most one page)."""
    return list(_messages(conversation).filter(id__gt=after).order_by("id")[: rules.THREAD_PAGE_SIZE])


def orders_between(*, conversation):
    """Order chats stay on order pages: the conversation links the latest orders between the two people.
    Read through the app registry: messaging only reads orders, the orders app knows nothing of messaging."""
    from django.apps import apps

    Order = apps.get_model("orders", "Order")
    a, b = conversation.buyer_id, conversation.seller_id
    return list(
        Order.objects.filter(Q(buyer_id=a, seller_id=b) | Q(buyer_id=b, seller_id=a))
        .only("pk", "title", "status", "placed_at", "buyer_id", "seller_id")
        .order_by("-placed_at", "-pk")[: rules.ORDERS_LINKED]
    )


def recent_messages_for_staff(*, page=1, spam_only=False):
    """The back office's list for spam marks (T2): latest messages first, with author and conversation."""
    queryset = Message.objects.select_related("author", "conversation__buyer", "conversation__seller").order_by(
        "-id"
    )
    if spam_only:
        queryset = queryset.filter(is_spam=True)
    return Paginator(queryset, rules.INBOX_PAGE_SIZE).get_page(page)


def seller_response_figures(*, seller_ids, now=None):
    """R10 for the ratings app: {seller_id: (response_rate_percent, first_response_median_seconds)} over the
    first responses of the last RESPONSE_FIGURES_DAYS. A message counts once it was answered or its deadline
    passed; the rate is the share answered within ANSWER_HOURS; the median is over answered ones. Sellers with
    nothing to count get (None, None). One query for the whole batch."""
    at = now or timezone.now()
    since = at - timedelta(days=rules.RESPONSE_FIGURES_DAYS)
    rows = (
        FirstResponse.objects.filter(seller_id__in=list(seller_ids), voided=False, asked_at__gte=since)
        .filter(Q(answered_at__isnull=False) | Q(due_at__lte=at))
        .values_list("seller_id", "due_at", "answered_at", "seconds")
    )
    counted, on_time, seconds = {}, {}, {}
    for seller_id, due_at, answered_at, secs in rows:
        counted[seller_id] = counted.get(seller_id, 0) + 1
        if answered_at is not None:
            seconds.setdefault(seller_id, []).append(secs)
            if answered_at <= due_at:
                on_time[seller_id] = on_time.get(seller_id, 0) + 1
    figures = {}
    for seller_id in seller_ids:
        total = counted.get(seller_id, 0)
        if not total:
            figures[seller_id] = (None, None)
            continue
        answered = seconds.get(seller_id)
        figures[seller_id] = (
            round(100.0 * on_time.get(seller_id, 0) / total, 1),
            int(median(answered)) if answered else None,
        )
    return figures
