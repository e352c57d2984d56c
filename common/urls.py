from django.templatetags.static import static
from django.urls import path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from . import views

app_name = "pages"

urlpatterns = [
    path("rules/terms/", views.policy, {"slug": "terms"}, name="terms"),
    path("rules/conduct/", views.policy, {"slug": "conduct"}, name="conduct"),
    path("rules/support/", views.policy, {"slug": "support"}, name="support"),
    path("rules/trust-and-safety/", views.policy, {"slug": "trust-and-safety"}, name="trust"),
    path("health/", views.health, name="health"),
    # Browsers ask for /favicon.ico on their own; the file is a static one (its URL is hashed in production).
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("img/favicon.ico")), name="favicon"),
]
