import pytest


@pytest.mark.django_db
def test_home_page_says_what_the_site_is(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"fixed price" in response.content
