"""Back-office URLs of the support desk (T3 tickets, A12 identity checks, T6 search and audit log); they join
the "backoffice" namespace in arbitration/urls.py."""

from django.urls import path

from . import audit_views, identity_views, search_views, ticket_views

backoffice_urlpatterns = [
    path("tickets/", ticket_views.ticket_queue, name="tickets"),
    path("tickets/<int:pk>/", ticket_views.staff_ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/answer/", ticket_views.staff_ticket_answer, name="ticket_answer"),
    path("tickets/<int:pk>/note/", ticket_views.staff_ticket_note, name="ticket_note"),
    path("tickets/<int:pk>/close/", ticket_views.staff_ticket_close, name="ticket_close"),
    path("identity/", identity_views.identity_checks, name="identity_checks"),
    path("identity/<int:pk>/", identity_views.identity_check_decide, name="identity_check_decide"),
    path("identity/<int:pk>/document/", identity_views.identity_document, name="identity_document"),
    path("search/", search_views.search, name="search"),
    path("users/<int:pk>/", search_views.user_detail, name="user_detail"),
    path("audit/", audit_views.audit_log, name="audit_log"),
]
