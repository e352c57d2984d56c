from django.urls import path

from . import downloads, views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/unread/", views.unread_badge, name="unread"),
    path("messages/new/<str:username>/", views.start, name="start"),
    path("messages/<int:pk>/", views.conversation, name="conversation"),
    path("messages/<int:pk>/send/", views.send, name="send"),
    path("messages/<int:pk>/refresh/", views.refresh, name="refresh"),
    path("messages/files/<path:name>", downloads.message_file, name="file"),
    path("backoffice/messages/", views.staff_messages, name="staff_messages"),
    path("backoffice/messages/<int:pk>/spam/", views.staff_spam, name="staff_spam"),
]
