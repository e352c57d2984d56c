from django.urls import path, re_path

from . import downloads, views

app_name = "marketplace"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("categories/", views.categories, name="categories"),
    path("category/<slug:slug>/", views.category, name="category"),
    path("kwork/<int:pk>/", views.kwork_detail, name="kwork"),
    path("kwork/<int:pk>/quote/", views.kwork_quote, name="kwork_quote"),
    path("kwork/<int:pk>/favourite/", views.favourite_toggle, name="favourite_toggle"),
    path("kwork/<int:pk>/cart/", views.cart_add, name="cart_add"),
    path("favourites/", views.favourites, name="favourites"),
    path("cart/", views.cart, name="cart"),
    path("cart/<int:item_id>/", views.cart_item, name="cart_item"),
    path("seller/kworks/", views.my_kworks, name="my_kworks"),
    path("seller/kworks/new/", views.kwork_new, name="kwork_new"),
    path("seller/kworks/weekends/", views.weekend_setting, name="weekend_setting"),
    path("seller/kworks/<int:pk>/edit/", views.kwork_edit, name="kwork_edit"),
    path("seller/kworks/<int:pk>/media/", views.kwork_media, name="kwork_media"),
    path("seller/kworks/<int:pk>/action/", views.kwork_action, name="kwork_action"),
    # Kwork media: the stored name (kworks/<kwork id>/<random>) after /files/; marketplace/downloads.py checks it.
    re_path(r"^files/(?P<name>kworks/.+)$", downloads.kwork_media, name="media"),
    # C14 portfolio items (portfolio/<kwork id>/<random>): anyone, while the buyer's consent stands.
    re_path(r"^files/(?P<name>portfolio/.+)$", downloads.portfolio_media, name="portfolio_media"),
]
