"""Downloads of a request's files (C6). The buyer and moderators may fetch them; sellers once the request was
published (they answer it). Anyone else gets a 404; someone logged out is sent to log in."""

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_safe

from accounts.roles import is_moderator
from common.files import file_response

from .models import BuyerRequest, RequestFile

# Stored names are `requests/<request id>/<random>` (models.py).
_NAME = re.compile(r"requests/(?P<request_id>\d{1,18})/[^/]+")


@require_safe
@login_required
def request_file(request, name):
    match = _NAME.fullmatch(name)
    if match is None:
        raise Http404("No such file.")
    owner = BuyerRequest.objects.filter(pk=int(match["request_id"])).first()
    user = request.user
    if owner is None or not (owner.buyer_id == user.pk or owner.was_published or is_moderator(user)):
        raise Http404("No such file.")
    row = RequestFile.objects.filter(request=owner, file=name).only("file", "name").first()
    if row is None:
        raise Http404("No such file.")
    return file_response(row.file, filename=row.name)
