"""The inbox pages (M1, M3, M5): thin views over messaging.services and messaging.selectors. Sending and the
refresh work with htmx without reloading the page, and as plain forms and links without JavaScript."""

from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accounts.roles import support_required
from common.errors import DomainError
from common.ratelimit import ratelimit

from . import rules, selectors, services
from .forms import MessageForm
from .models import Conversation, Message


def _int(value, default=0):
    try:
        return max(0, min(int(value), 2**62))
    except (TypeError, ValueError):
        return default


@require_safe
@login_required
def inbox(request):
    page = selectors.inbox_page(user=request.user, page=request.GET.get("page"))
    return render(request, "messaging/inbox.html", {"page": page})


@require_safe
@login_required
def unread_badge(request):
    """The header's count, refreshed by htmx."""
    return render(request, "messaging/partials/unread.html", {"unread": selectors.unread_total(user=request.user)})


def _thread_context(request, conversation, form=None, before=None):
    thread, has_earlier = selectors.thread_messages(conversation=conversation, before=before)
    last_id = thread[-1].pk if thread else 0
    return {
        "conversation": conversation,
        "other": conversation.other_party(request.user),
        "role": conversation.party_of(request.user),
        "thread": thread,
        "has_earlier": has_earlier,
        "earliest_id": thread[0].pk if thread else 0,
        "last_id": last_id,
        "form": form or MessageForm(),
        "orders": selectors.orders_between(conversation=conversation),
        "refresh_seconds": rules.REFRESH_SECONDS,
    }


@require_safe
@login_required
def conversation(request, pk):
    conversation = selectors.conversation_get_for(user=request.user, pk=pk)
    services.conversation_mark_read(conversation=conversation, user=request.user)
    before = _int(request.GET.get("before")) or None
    context = _thread_context(request, conversation, before=before)
    if before and request.htmx:
        return render(request, "messaging/partials/earlier.html", context)
    return render(request, "messaging/conversation.html", context)


def _new_messages_context(request, conversation, after):
    new = selectors.messages_after(conversation=conversation, after=after)
    if new:  # one conditional UPDATE; a no-op when nothing was unread
        services.conversation_mark_read(conversation=conversation, user=request.user)
    return {
        "conversation": conversation,
        "new_messages": new,
        "last_id": new[-1].pk if new else after,
        "refresh_seconds": rules.REFRESH_SECONDS,
    }


@require_safe
@login_required
def refresh(request, pk):
    """htmx polling: only the messages after the last id the page has (constant work however long the thread).
    Nothing new — the conversation's last message is not after it — is an empty 204 after the one query that
    checks the person may see the conversation: htmx leaves the page as it is and asks again later."""
    conversation = selectors.conversation_get_for(user=request.user, pk=pk)
    if not request.htmx:
        return redirect("messaging:conversation", pk=conversation.pk)
    after = request.GET.get("after", "")
    if not (after.isascii() and after.isdigit()) or int(after) >= 2**62:  # isdigit() alone lets "²" through
        return HttpResponseBadRequest("The last message this page has is not valid.", content_type="text/plain")
    after = int(after)
    if (conversation.last_message_id or 0) <= after:
        return HttpResponse(status=204)
    context = _new_messages_context(request, conversation, after)
    return render(request, "messaging/partials/refresh.html", context)


@require_POST
@login_required
@ratelimit("messaging_send", rules.RATE_SEND)
def send(request, pk):
    conversation = selectors.conversation_get_for(user=request.user, pk=pk)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.message_send(
                conversation=conversation,
                author=request.user,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["files"],
            )
        except DomainError as exc:
            form.add_error("files" if exc.field == "files" else "text", exc.message)
        else:
            if request.htmx:
                conversation.refresh_from_db()  # the M2 notice is re-drawn with the answer
                context = _new_messages_context(request, conversation, _int(request.POST.get("after")))
                context.update(form=MessageForm(), role=conversation.party_of(request.user))
                return render(request, "messaging/partials/sent.html", context)
            return redirect(reverse("messaging:conversation", args=[conversation.pk]) + "#composer")
    if request.htmx:
        # M3: the refusal is shown next to the text, which stays in the form for the author to edit.
        return render(request, "messaging/partials/composer.html", {"conversation": conversation, "form": form})
    return render(request, "messaging/conversation.html", _thread_context(request, conversation, form), status=400)


@login_required
@ratelimit("messaging_send", rules.RATE_SEND)
def start(request, username):
    """M1: "Contact the seller". A buyer with a conversation already open goes to it."""
    seller = get_object_or_404(get_user_model(), username=username, is_active=True)
    existing = Conversation.objects.filter(buyer=request.user, seller=seller).first()
    if existing and existing.last_message_id:
        return redirect("messaging:conversation", pk=existing.pk)
    refusal = services.conversation_refusal(buyer=request.user, seller=seller)
    form = MessageForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and not refusal:
        if form.is_valid():
            try:
                message = services.conversation_start(
                    buyer=request.user,
                    seller=seller,
                    text=form.cleaned_data["text"],
                    files=form.cleaned_data["files"],
                )
            except DomainError as exc:
                form.add_error("files" if exc.field == "files" else "text", exc.message)
            else:
                return redirect("messaging:conversation", pk=message.conversation_id)
        status = 400
    elif request.method == "POST":
        status = 400
    elif refusal:
        status = 403
    return render(
        request, "messaging/start.html", {"seller": seller, "refusal": refusal, "form": form}, status=status
    )


@support_required
@require_safe
def staff_messages(request):
    """T2: Support's list of recent messages, to mark spam (M2: spam does not count for the answer deadline)."""
    spam_only = request.GET.get("spam") == "1"
    page = selectors.recent_messages_for_staff(page=request.GET.get("page"), spam_only=spam_only)
    return render(request, "messaging/staff_messages.html", {"page": page, "spam_only": spam_only})


@support_required
@require_POST
@ratelimit("messaging_staff", rules.RATE_STAFF)
def staff_spam(request, pk):
    message = Message.objects.filter(pk=pk).first()
    if message is None:
        flash.error(request, "No such message.")
        return redirect("messaging:staff_messages")
    spam = request.POST.get("spam", "1") != "0"
    try:
        services.message_spam_mark(message=message, staff=request.user, spam=spam)
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, f"Message #{message.pk} {'marked as spam' if spam else 'is no longer spam'}.")
    return redirect("messaging:staff_messages")
