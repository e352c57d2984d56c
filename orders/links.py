"""The one way to build a link to an order's page (the model's get_absolute_url, notifications, redirects)."""

from functools import lru_cache

from django.urls import reverse


@lru_cache(maxsize=1)
def _detail_template():
    # Reversed once: the sweeps build hundreds of links per batch.
    marker = 918273645
    return reverse("orders:detail", args=[marker]).replace(str(marker), "{pk}")


def order_url(pk, *, anchor=""):
    """The order page's path, e.g. "/orders/42/" (with "#anchor" when given)."""
    url = _detail_template().format(pk=int(pk))
    return f"{url}#{anchor}" if anchor else url
