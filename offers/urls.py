from django.urls import path

from . import views

app_name = "offers"

urlpatterns = [
    path("offers/", views.index, name="index"),
    path("offers/<int:pk>/", views.detail, name="detail"),
    path("offers/<int:pk>/accept/", views.accept, name="accept"),
    path("offers/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("messages/<int:conversation_pk>/offer/", views.create, name="create"),
    path("u/<str:username>/ask-offer/", views.ask, name="ask"),
]
