from django.urls import path

from . import views

app_name = "pages"

urlpatterns = [
    path("rules/terms/", views.policy, {"slug": "terms"}, name="terms"),
    path("rules/conduct/", views.policy, {"slug": "conduct"}, name="conduct"),
    path("rules/support/", views.policy, {"slug": "support"}, name="support"),
    path("rules/trust-and-safety/", views.policy, {"slug": "trust-and-safety"}, name="trust"),
    path("health/", views.health, name="health"),
]
