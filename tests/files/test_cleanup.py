"""Issue 9: stored files do not outlive their rows. Deleting a row with a FileField deletes its files once the
transaction commits (common.files), replacing a file deletes the old one, and a rolled-back delete keeps them."""

from pathlib import Path

import pytest
from django.apps import apps
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

from accounts.models import User
from marketplace import services as marketplace_services
from marketplace.models import Kwork, KworkFile, KworkImage
from orders.models import DeliveryFile
from tests.factories import UserFactory
from tests.files.conftest import png, zip_upload
from tests.marketplace.factories import ImageFactory, KworkFactory


def stored(field_file):
    return Path(field_file.path)


def test_every_model_with_a_file_field_is_covered():
    with_files = [
        model
        for model in apps.get_models()
        if any(isinstance(field, models.FileField) for field in model._meta.concrete_fields)
    ]
    assert {model._meta.label for model in with_files} >= {
        "accounts.User",
        "marketplace.KworkImage",
        "marketplace.KworkFile",
        "orders.DeliveryFile",
        "orders.OrderAttachment",
    }
    for model in with_files:
        assert post_delete.has_listeners(model) and post_save.has_listeners(model), model


def test_deleting_a_draft_kwork_deletes_its_images_and_files(django_capture_on_commit_callbacks, db):
    kwork = KworkFactory(status=Kwork.Status.DRAFT, approved_at=None)
    image = ImageFactory(kwork=kwork)
    item = KworkFile.objects.create(kwork=kwork, file=zip_upload("a.zip"), name="a.zip")
    paths = [stored(image.image), stored(item.file)]
    assert all(path.is_file() for path in paths)
    with django_capture_on_commit_callbacks(execute=True):
        marketplace_services.kwork_delete(seller=kwork.seller, kwork=kwork)
    assert not any(path.exists() for path in paths)


def test_discarding_pending_changes_deletes_the_pending_files(django_capture_on_commit_callbacks, db):
    kwork = KworkFactory()
    kept = ImageFactory(kwork=kwork)
    pending = ImageFactory(kwork=kwork, pending=True)
    pending_file = KworkFile.objects.create(kwork=kwork, file=zip_upload("b.zip"), name="b.zip", pending=True)
    with django_capture_on_commit_callbacks(execute=True):
        marketplace_services.kwork_changes_discard(seller=kwork.seller, kwork=kwork)
    assert not stored(pending.image).exists() and not stored(pending_file.file).exists()
    assert stored(kept.image).is_file()


def test_files_are_deleted_only_after_commit(django_capture_on_commit_callbacks, db):
    image = ImageFactory(kwork=KworkFactory())
    path = stored(image.image)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        KworkImage.objects.filter(pk=image.pk).delete()
    assert path.is_file() and len(callbacks) == 1
    callbacks[0]()
    assert not path.exists()


def test_a_rolled_back_delete_keeps_the_file(db):
    image = ImageFactory(kwork=KworkFactory())
    pk, path = image.pk, stored(image.image)
    with pytest.raises(RuntimeError), transaction.atomic():
        image.delete()
        raise RuntimeError("something failed after the delete")
    assert KworkImage.objects.filter(pk=pk).exists() and path.is_file()


def test_deleting_an_order_file_row_deletes_the_file(order_files, django_capture_on_commit_callbacks):
    path = stored(order_files.delivery.file)
    with django_capture_on_commit_callbacks(execute=True):
        DeliveryFile.objects.filter(pk=order_files.delivery.pk).delete()
    assert not path.exists()


def test_replacing_an_avatar_deletes_the_old_file_and_clearing_it_too(django_capture_on_commit_callbacks, db):
    user = UserFactory()
    user.avatar = png("me.png")
    user.save()
    first = stored(user.avatar)
    user = User.objects.get(pk=user.pk)
    with django_capture_on_commit_callbacks(execute=True):
        user.avatar = png("me again.png", color=(9, 9, 9))
        user.save()
    second = stored(user.avatar)
    assert not first.exists() and second.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        user.avatar = ""
        user.save()
    assert not second.exists()


def test_saving_other_fields_keeps_the_file(django_capture_on_commit_callbacks, db):
    user = UserFactory()
    user.avatar = png("me.png")
    user.save()
    path = stored(user.avatar)
    user = User.objects.get(pk=user.pk)
    with django_capture_on_commit_callbacks(execute=True):
        user.city = "Brno"
        user.save()
        User.objects.only("id", "city").get(pk=user.pk).save(update_fields=["city"])
        KworkImage.objects.none().delete()
    assert path.is_file()


def test_deleting_a_user_deletes_the_avatar(django_capture_on_commit_callbacks, db):
    user = UserFactory()
    user.avatar = png("me.png")
    user.save()
    path = stored(user.avatar)
    with django_capture_on_commit_callbacks(execute=True):
        User.objects.filter(pk=user.pk).delete()
    assert not path.exists()
