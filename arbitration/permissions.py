from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.roles import is_support


def support_required(view):
    """T6: only Support staff (and superusers) enter the back office; anyone else gets 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_support(request.user):
            raise PermissionDenied("The back office is for support staff only.")
        return view(request, *args, **kwargs)

    return wrapped
