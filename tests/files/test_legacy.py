"""Issue 9: files uploaded before it (original names, under the public MEDIA_ROOT) are moved behind the
download views by `manage.py files_make_private`, which is safe to run again."""

import re
from io import StringIO
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from marketplace.models import KworkImage
from orders.models import DeliveryFile
from tests.files.conftest import ZIP_BYTES, body
from tests.marketplace.factories import ImageFactory, KworkFactory, png_bytes


def make_legacy(model, row, field_name, old_name, content):
    """Put the row back the way issue 8 stored it: the original name, in MEDIA_ROOT."""
    field_file = getattr(row, field_name)
    field_file.storage.delete(field_file.name)
    default_storage.save(old_name, ContentFile(content))
    model.objects.filter(pk=row.pk).update(**{field_name: old_name})


def run(*args):
    out = StringIO()
    call_command("files_make_private", *args, stdout=out)
    return out.getvalue()


def test_old_public_files_move_behind_the_views(client, order_files, settings):
    image = ImageFactory(kwork=KworkFactory())
    old_image = f"kworks/{image.kwork_id}/My shop front.png"
    make_legacy(KworkImage, image, "image", old_image, png_bytes())
    old_delivery = "orders/2026/11/Logo final.zip"
    make_legacy(DeliveryFile, order_files.delivery, "file", old_delivery, ZIP_BYTES)

    assert "Would move 2 file(s)" in run("--dry-run")
    assert default_storage.exists(old_image) and default_storage.exists(old_delivery)
    assert "Moved 2 file(s)" in run()

    image = KworkImage.objects.get(pk=image.pk)
    delivery = DeliveryFile.objects.get(pk=order_files.delivery.pk)
    assert re.fullmatch(rf"kworks/{image.kwork_id}/[0-9a-f]{{32}}\.png", image.image.name)
    assert re.fullmatch(rf"orders/{order_files.order.pk}/[0-9a-f]{{32}}\.zip", delivery.file.name)
    assert not default_storage.exists(old_image) and not default_storage.exists(old_delivery)
    assert Path(settings.PRIVATE_MEDIA_ROOT).resolve() in Path(delivery.file.path).parents

    assert body(client.get(image.image.url)) == png_bytes()
    client.force_login(order_files.order.buyer)
    assert body(client.get(delivery.file.url)) == ZIP_BYTES
    assert "Moved 0 file(s)" in run()  # again: nothing left to move
