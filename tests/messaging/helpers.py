"""Helpers of the inbox tests: a buyer, a seller with an active Kwork, a conversation started through the service."""

from accounts.models import Notification
from messaging import services
from messaging.models import Conversation, FirstResponse, Message, MessageAttachment
from tests.factories import UserFactory, verified
from tests.marketplace.factories import KworkFactory


def person(**kwargs):
    return verified(UserFactory(**kwargs))


def seller_with_kwork(**kwargs):
    seller = person()
    KworkFactory(seller=seller, **kwargs)
    return seller


def start(buyer=None, seller=None, text="Hello, can you do this in two days?", **kwargs):
    buyer = buyer or person()
    seller = seller or seller_with_kwork()
    message = services.conversation_start(buyer=buyer, seller=seller, text=text, **kwargs)
    return message.conversation


def snapshot():
    """Everything a refused message must leave untouched."""
    return (
        Conversation.objects.count(),
        Message.objects.count(),
        MessageAttachment.objects.count(),
        FirstResponse.objects.count(),
        Notification.objects.count(),
        list(Conversation.objects.order_by("pk").values_list("buyer_unread", "seller_unread", "answer_due_at")),
    )
