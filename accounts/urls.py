from django.urls import path

from . import identity_views, views

app_name = "accounts"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("account/settings/", views.settings_view, name="settings"),
    path("account/login/", views.username_change, name="username_change"),
    path("account/identity/", identity_views.identity_view, name="identity"),
    path("account/delete/", views.deletion_request, name="deletion_request"),
    path("account/mode/", views.mode_switch, name="mode_switch"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/bell/", views.notifications_bell, name="notifications_bell"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("u/<str:username>/", views.profile, name="profile"),
]
