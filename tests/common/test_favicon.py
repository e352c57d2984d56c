"""Issue 13: browsers ask for /favicon.ico on their own; it was a 404 in every server log. It now leads to the
static icon, which is a real ICO file, and every page links the icon itself."""

from django.contrib.staticfiles import finders
from django.templatetags.static import static
from PIL import Image


def test_favicon_ico_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("img/favicon.ico")


def test_the_static_icon_is_an_ico_with_the_small_sizes_browsers_use():
    path = finders.find("img/favicon.ico")
    assert path, "static/img/favicon.ico is missing"
    with Image.open(path) as icon:
        assert icon.format == "ICO"
        assert {(16, 16), (32, 32)} <= icon.info["sizes"]


def test_every_page_links_the_icon(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert f'<link rel="icon" href="{static("img/favicon.ico")}"' in page
    assert f'<link rel="icon" href="{static("img/favicon.svg")}" type="image/svg+xml">' in page
