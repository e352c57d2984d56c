"""M3: the reusable contact-details detector (common/contacts.py) used by Kwork texts (C7)."""

import pytest

from common.contacts import contains_contacts, ensure_no_contacts, find_contacts
from common.errors import DomainError


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Call me at +1 (555) 123-4567 any time", "+1 (555) 123-4567"),
        ("or 8 800 555 35 35", "8 800 555 35 35"),
        ("write to anna.b+work@gmail.com please", "anna.b+work@gmail.com"),
        ("portfolio: https://example.org/work", "https://example.org/work"),
        ("see www.mysite.com for more", "www.mysite.com"),
        ("my shop is coolshop.store", "coolshop.store"),
        ("telegram: @bob_99", "telegram: @bob_99"),
        ("Skype: joe.doe", "Skype: joe.doe"),
        ("ping me @johnsmith", "@johnsmith"),
        ("https://t.me/joe", "https://t.me/joe"),
        ("t.me/joe", "t.me/joe"),
    ],
)
def test_m3_contact_details_are_found(text, found):
    assert find_contacts(text)[0] == found
    assert contains_contacts(text)


@pytest.mark.parametrize(
    "text",
    [
        "Telegram bot development in Python",
        "1,000 words in 3 days for $10",
        "Ten years of experience, 2015-2025",
        "ASP.NET, Node.js and socket.io projects",
        "Version 2.0.1 of the plugin",
        "5 logos, 24 hours, 2 revisions",
        "",
    ],
)
def test_m3_ordinary_texts_are_clean(text):
    assert find_contacts(text) == []


def test_m3_ensure_no_contacts_names_the_fragment_and_field():
    with pytest.raises(DomainError) as caught:
        ensure_no_contacts("mail me: x@y.com", what="The description", field="description")
    assert caught.value.message.startswith("The description contains contact details (“x@y.com”)")
    assert caught.value.field == "description"
    ensure_no_contacts("A clean text about logos.")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("my works: mysite.net/works", "mysite.net/works"),
        ("atelier-paris.fr for the portfolio", "atelier-paris.fr"),
        ("studio.nl", "studio.nl"),
        ("shop.example.co.uk/abc", "shop.example.co.uk/abc"),
        ("see mysite.photography", "mysite.photography"),
        ("MYSITE.NET", "MYSITE.NET"),
        ("пример.рф", "пример.рф"),
    ],
)
def test_m3_any_domain_like_text_is_found_not_only_listed_endings(text, found):
    assert find_contacts(text) == [found]


@pytest.mark.parametrize(
    "text",
    [
        "Logos, e.g. a monogram, i.e. letters only",
        "Works with v1.2 and v2.10.3, about 3.5 hours",
        "Node.js, Vue.js, Next.js and ASP.NET",
        "You get logo.png, logo.ai, brief.docx and source.psd",
        "U.S. and U.K. clients, Ph.D. level, 9 a.m. to 5 p.m.",
        "I deliver fast.Then you review",  # a missing space before a sentence is not a domain
        "Python3.11 scripts, No.1 seller, etc.",
    ],
)
def test_m3_dotted_ordinary_text_is_not_a_domain(text):
    assert find_contacts(text) == []
