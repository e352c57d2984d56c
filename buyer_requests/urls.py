from django.urls import path, re_path

from . import downloads, views

app_name = "buyer_requests"

urlpatterns = [
    path("requests/", views.browse, name="browse"),
    path("requests/mine/", views.mine, name="mine"),
    path("requests/new/", views.new, name="new"),
    path("requests/alerts/", views.subscriptions, name="subscriptions"),
    path("requests/<int:pk>/", views.detail, name="detail"),
    path("requests/<int:pk>/close/", views.close, name="close"),
    path("requests/<int:pk>/offer/", views.offer, name="offer"),
    path("requests/offers/<int:pk>/order/", views.order_offer, name="order_offer"),
    # Private files: the stored name (requests/<request id>/<random>); downloads.py checks who asks.
    re_path(r"^files/(?P<name>requests/.+)$", downloads.request_file, name="file"),
]
