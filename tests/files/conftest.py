"""An order with one file of each private kind (requirements, chat, delivery), made through the services."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orders import services
from orders.models import DeliveryFile, Order, OrderAttachment
from tests.marketplace.factories import png_bytes
from tests.orders.factories import person, place

ZIP_BYTES = b"PK\x03\x04" + b"the seller's finished work " * 20


def zip_upload(name):
    return SimpleUploadedFile(name, ZIP_BYTES, content_type="application/zip")


def png(name, color=(20, 120, 110)):
    return SimpleUploadedFile(name, png_bytes(color=color), content_type="image/png")


@pytest.fixture
def order_files(db):
    order = place()
    services.order_requirements_send(
        order=order,
        buyer=order.buyer,
        text="A logo for a bakery, pastel colours.",
        files=[png("Bakery brief.png")],
    )
    services.order_start(order=order, seller=order.seller)
    services.order_message_send(
        order=order, author=order.seller, text="A first sketch", files=[png("sketch 1.png", color=(1, 2, 3))]
    )
    services.order_deliver(
        order=order, seller=order.seller, message="Here it is", files=[zip_upload("logo final.zip")]
    )
    order = Order.objects.select_related("buyer", "seller").get(pk=order.pk)
    return SimpleNamespace(
        order=order,
        requirement=OrderAttachment.objects.get(message__order=order, name="Bakery brief.png"),
        chat=OrderAttachment.objects.get(message__order=order, name="sketch 1.png"),
        delivery=DeliveryFile.objects.get(delivery__order=order),
    )


@pytest.fixture
def stranger(db):
    return person()


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content
