"""Factories of the marketplace tests (kept here so the shared tests/factories.py is not edited in parallel)."""

import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from marketplace.models import Attribute, AttributeChoice, Category, Kwork, KworkImage, KworkOption, KworkPackage
from marketplace.services import kwork_search_vectors_update
from tests.factories import UserFactory, verified


def png_bytes(size=(40, 30), color=(20, 120, 110)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def png_upload(name="shot.png", **kwargs):
    return SimpleUploadedFile(name, png_bytes(**kwargs), content_type="image/png")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class SubcategoryFactory(CategoryFactory):
    parent = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Subcategory {n}")
    slug = factory.Sequence(lambda n: f"subcategory-{n}")


class AttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attribute

    category = factory.SubFactory(SubcategoryFactory)
    name = factory.Sequence(lambda n: f"Attribute {n}")
    slug = factory.Sequence(lambda n: f"attribute-{n}")


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttributeChoice

    attribute = factory.SubFactory(AttributeFactory)
    label = factory.Sequence(lambda n: f"Choice {n}")
    slug = factory.Sequence(lambda n: f"choice-{n}")


class KworkFactory(factory.django.DjangoModelFactory):
    """An approved, active Kwork (use status=... for others)."""

    class Meta:
        model = Kwork
        skip_postgeneration_save = True

    seller = factory.LazyFunction(lambda: verified(UserFactory()))
    category = factory.SubFactory(SubcategoryFactory)
    title = factory.Sequence(lambda n: f"I will design a clean logo number {n}")
    description = "A clean, modern logo for your brand with two rounds of revisions and source files included."
    volume = "1 logo"
    price_cents = 1000
    lead_time_days = 4
    status = Kwork.Status.ACTIVE
    approved_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def search_index(obj, create, extracted, **kwargs):
        """Findable by search like a Kwork the editor saved (PostgreSQL's tsvector, SQLite's FTS5 row)."""
        if create:
            kwork_search_vectors_update([obj.pk])


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KworkOption

    kwork = factory.SubFactory(KworkFactory)
    title = factory.Sequence(lambda n: f"Extra option {n}")
    price_cents = 500


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KworkPackage

    kwork = factory.SubFactory(KworkFactory, uses_packages=True)
    tier = "economy"
    description = "1 concept\nSource file"
    price_cents = 1500
    lead_time_days = 3


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KworkImage

    kwork = factory.SubFactory(KworkFactory)
    image = factory.LazyFunction(lambda: png_upload())
