"""A client signed in through allauth's real login form: unlike force_login, it leaves the authentication
record that money actions check (a recent login or password re-entry, issue 9)."""

from tests.factories import PASSWORD


def sign_in(client, user):
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/login/" not in response["Location"], response
    return client
