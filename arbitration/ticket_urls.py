"""T3: the user's side of support tickets (Support's side is under /backoffice/, arbitration/urls.py)."""

from django.urls import path

from . import ticket_views

app_name = "tickets"

urlpatterns = [
    path("support/tickets/", ticket_views.ticket_list, name="list"),
    path("support/tickets/new/", ticket_views.ticket_new, name="new"),
    path("support/tickets/<int:pk>/", ticket_views.ticket_detail, name="detail"),
    path("support/files/<path:name>", ticket_views.ticket_file, name="file"),
]
