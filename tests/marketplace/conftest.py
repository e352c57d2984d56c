import pytest

from marketplace import hooks
from tests.marketplace.factories import AttributeFactory, ChoiceFactory, SubcategoryFactory


@pytest.fixture(autouse=True)
def _no_hook_providers():
    """Tests start with the defaults (no orders, Newbie) unless they register a provider themselves."""
    saved = dict(hooks._providers)
    hooks._providers.clear()
    yield
    hooks._providers.clear()
    hooks._providers.update(saved)


@pytest.fixture
def subcategory(db):
    sub = SubcategoryFactory(name="Full website creation", slug="full-website-creation")
    cms = AttributeFactory(category=sub, name="CMS", slug="cms")
    for label in ("WordPress", "Tilda", "Joomla", "Custom"):
        ChoiceFactory(attribute=cms, label=label, slug=label.lower())
    return sub


@pytest.fixture
def kwork_data(subcategory):
    """Valid editor data; tests change one thing at a time."""
    cms = subcategory.attributes.get(slug="cms")

    def make(**overrides):
        data = {
            "category": subcategory,
            "title": "I will build a WordPress website for your business",
            "description": "A fast WordPress site with five pages, a contact form and basic SEO settings done.",
            "volume": "1 website of 5 pages",
            "price_cents": 1000,
            "lead_time_days": 5,
            "instructions": "Send me your texts and logo.",
            "youtube_url": "",
            "uses_packages": False,
            "attributes": {str(cms.pk): cms.choices.get(slug="wordpress").pk},
            "options": [],
            "packages": {},
        }
        data.update(overrides)
        return data

    return make
