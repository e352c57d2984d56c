from django.urls import path

from . import dispute_urls, order_views, penalty_urls, support_urls, views

app_name = "backoffice"

urlpatterns = [
    path("", views.index, name="index"),
    path("deletions/", views.deletion_requests, name="deletion_requests"),
    path("deletions/<int:pk>/", views.deletion_request_decide, name="deletion_request_decide"),
    path("orders/", order_views.order_find, name="order_find"),
    path("orders/<int:pk>/cancel/", order_views.order_cancel, name="order_cancel"),
]
urlpatterns += penalty_urls.backoffice_urlpatterns  # T1, T2, M3, M4
urlpatterns += support_urls.backoffice_urlpatterns  # T3, A12, T6
urlpatterns += dispute_urls.backoffice_urlpatterns  # O12
