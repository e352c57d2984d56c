from django.urls import path

from . import views

app_name = "ratings"

urlpatterns = [
    path("orders/<int:pk>/feedback/", views.feedback_leave, name="feedback_leave"),
    path("orders/<int:pk>/feedback/response/", views.response_submit, name="response_submit"),
    path("orders/<int:pk>/buyer-rating/", views.buyer_rating_leave, name="buyer_rating"),
    path("kwork/<int:pk>/feedback/", views.kwork_feedback, name="kwork_feedback"),
    path("u/<str:username>/feedback/", views.seller_feedback, name="seller_feedback"),
    path("selling/level/", views.my_level, name="my_level"),
]
