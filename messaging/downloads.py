"""Downloads of message attachments (M5): only the two people of the conversation; anyone else gets a 404."""

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_safe

from accounts.roles import is_support
from common.files import file_response

from .models import Conversation, MessageAttachment

# Stored names are `messages/<conversation id>/<random>` (models._attachment_path).
_NAME = re.compile(r"messages/(?P<conversation_id>\d+)/[^/]+")


@require_safe
@login_required
def message_file(request, name):
    match = _NAME.fullmatch(name)
    if match is None:
        raise Http404("No such file.")
    conversation = (
        Conversation.objects.filter(pk=int(match["conversation_id"])).only("buyer_id", "seller_id").first()
    )
    if conversation is None:
        raise Http404("No such file.")
    if request.user.pk not in (conversation.buyer_id, conversation.seller_id) and not is_support(request.user):
        raise Http404("No such file.")
    row = (
        MessageAttachment.objects.filter(message__conversation=conversation, file=name)
        .only("file", "name")
        .first()
    )
    if row is None:
        raise Http404("No such file.")
    return file_response(row.file, filename=row.name)
