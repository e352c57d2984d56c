"""O12 routes: the parties' pages (namespace "disputes", included at the site root) and support's
(`backoffice_urlpatterns`, added to the back office's own list)."""

from django.urls import path

from . import dispute_views

app_name = "disputes"

urlpatterns = [
    path("orders/<int:pk>/dispute/", dispute_views.dispute_open, name="open"),
    path("disputes/<int:pk>/answer/", dispute_views.dispute_answer, name="answer"),
    path("disputes/<int:pk>/propose/", dispute_views.dispute_propose, name="propose"),
    path("disputes/files/<path:name>", dispute_views.dispute_file, name="file"),
]

backoffice_urlpatterns = [
    path("disputes/", dispute_views.queue, name="disputes"),
    path("disputes/<int:pk>/", dispute_views.case, name="dispute_case"),
    path("disputes/<int:pk>/take/", dispute_views.take, name="dispute_take"),
    path("disputes/<int:pk>/decide/", dispute_views.decide, name="dispute_decide"),
]
