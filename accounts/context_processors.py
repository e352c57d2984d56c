from django.utils.functional import SimpleLazyObject

from . import roles, selectors


def header(request):
    """The header's bell and role links. Lazy, so pages that do not show them make no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user)),
        "is_support": SimpleLazyObject(lambda: roles.is_support(user)),
        "is_moderator": SimpleLazyObject(lambda: roles.is_moderator(user)),
    }
