"""URLs of the penalty pages: `backoffice_urlpatterns` join the back office (arbitration/urls.py); the rest are
the users' own (report, my penalties and appeals) under the "penalties" namespace."""

from django.urls import path

from . import penalty_views as views

backoffice_urlpatterns = [
    path("penalties/", views.penalty_queue, name="penalties"),
    path("penalties/new/", views.penalty_new, name="penalty_new"),
    path("penalties/<int:pk>/", views.penalty_decide, name="penalty_decide"),
    path("reports/", views.report_queue, name="reports"),
    path("reports/<int:pk>/dismiss/", views.report_dismiss, name="report_dismiss"),
    path("appeals/", views.appeal_queue, name="appeals"),
    path("appeals/<int:pk>/", views.appeal_decide, name="appeal_decide"),
    path("appeals/<int:pk>/file/", views.appeal_file, name="appeal_file"),
]

app_name = "penalties"

urlpatterns = [
    path("report/<str:kind>/<int:pk>/", views.report_create, name="report"),
    path("account/penalties/", views.my_penalties, name="mine"),
    path("account/penalties/<int:pk>/appeal/", views.appeal_create, name="appeal"),
]
