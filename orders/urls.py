from django.urls import path, re_path

from . import downloads, portfolio_views, views

app_name = "orders"

urlpatterns = [
    # Placing orders (O1, O13): the Kwork page and the cart post here.
    path("kwork/<int:kwork_pk>/order/", views.place, name="place"),
    path("cart/checkout/", views.cart_checkout, name="cart_checkout"),
    # Manage orders.
    path("orders/", views.index, name="index"),
    path("orders/buying/", views.buyer_list, name="buyer_list"),
    path("orders/selling/", views.seller_list, name="seller_list"),
    # The order page and its actions (every action is a POST under /orders/<pk>/).
    path("orders/<int:pk>/", views.detail, name="detail"),
    path("orders/<int:pk>/requirements/", views.requirements, name="requirements"),
    path("orders/<int:pk>/start/", views.start, name="start"),
    path("orders/<int:pk>/deliver/", views.deliver, name="deliver"),
    path("orders/<int:pk>/accept/", views.accept, name="accept"),
    path("orders/<int:pk>/revision/", views.revision, name="revision"),
    path("orders/<int:pk>/cancel/quick/", views.cancel_quick, name="cancel_quick"),
    path("orders/<int:pk>/cancel/", views.cancel, name="cancel"),
    path(
        "orders/<int:pk>/cancellation/<int:request_pk>/",
        views.cancellation_answer,
        name="cancellation_answer",
    ),
    # C14: the buyer's portfolio consent after completion, the seller's upload.
    path("orders/<int:pk>/portfolio/consent/", portfolio_views.consent, name="portfolio_consent"),
    path("orders/<int:pk>/portfolio/upload/", portfolio_views.upload, name="portfolio_upload"),
    path("orders/<int:pk>/portfolio/remove/", portfolio_views.remove, name="portfolio_remove"),
    path("orders/<int:pk>/messages/", views.messages_panel, name="messages"),
    path("orders/<int:pk>/messages/send/", views.message_send, name="message_send"),
    path("orders/<int:pk>/history/", views.history_panel, name="history"),
    path("orders/<int:pk>/deliveries/", views.deliveries_panel, name="deliveries"),
    # Private files: the stored name (orders/<order id>/<random>) after /files/; orders/downloads.py checks access.
    re_path(r"^files/(?P<name>orders/.+)$", downloads.order_file, name="file"),
]
