from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from common.files import serve_public_media

admin.site.site_header = f"{settings.SITE_NAME} moderation"
admin.site.site_title = f"{settings.SITE_NAME} admin"
admin.site.index_title = "Moderation and administration"
# The admin's own login form would skip allauth's lock-out (T4) and two-factor step: send it through allauth.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("common.urls")),
    path("", include("accounts.urls")),
    path("backoffice/", include("arbitration.urls")),
    path("", include("arbitration.dispute_urls")),
    path("", include("arbitration.penalty_urls")),
    path("", include("arbitration.ticket_urls")),
    path("", include("payments.urls")),
    path("", include("orders.urls")),
    path("", include("ratings.urls")),
    path("", include("messaging.urls")),
    path("", include("offers.urls")),
    path("", include("buyer_requests.urls")),
    path("", include("marketplace.urls")),
]

# Public media (avatars). nginx serves /media/ in production; Django only under DEBUG or SERVE_MEDIA (checked
# per request). Private files are never here: they are in PRIVATE_MEDIA_ROOT, behind the download views.
urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_public_media, name="media")]
