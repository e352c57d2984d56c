from django.urls import path

from . import views

app_name = "backoffice"

urlpatterns = [
    path("", views.index, name="index"),
    path("deletions/", views.deletion_requests, name="deletion_requests"),
    path("deletions/<int:pk>/", views.deletion_request_decide, name="deletion_request_decide"),
]
