from django.utils import timezone

from . import rules


class LastSeenMiddleware:
    """Keeps `last_seen_at` (the catalogue's seller-activity filter) fresh, writing at most every few minutes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            seen = user.last_seen_at
            if seen is None or (timezone.now() - seen).total_seconds() > rules.LAST_SEEN_RESOLUTION_SECONDS:
                from .services import last_seen_touch

                last_seen_touch(user=user)
        return response
