from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.ratelimit import ratelimit
from common.redirects import redirect_back, safe_next

from . import rules, selectors, services
from .forms import DeletionRequestForm, ProfileForm, UsernameChangeForm


@login_required
def dashboard(request):
    user = request.user
    context = {
        "email_confirmed": selectors.has_confirmed_email(user),
        "locked_until": selectors.withdrawal_locked_until(user),
        "recent_notifications": selectors.notifications_for(user=user)[:5],
        "profile_missing": [
            label
            for label, value in (
                ("a display name", user.display_name),
                ("an avatar", user.avatar),
                ("your city", user.city),
                ("a few words about you", user.about),
            )
            if not value
        ],
    }
    return render(request, "accounts/dashboard.html", context)


@login_required
@ratelimit("profile", rules.RATE_PROFILE)
def settings_view(request):
    user = request.user
    form = ProfileForm(request.POST or None, request.FILES or None, instance=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.profile_update(
            user=user,
            **{name: data[name] for name in services.PROFILE_FIELDS},
            avatar=data["avatar"] if "avatar" in form.changed_data else None,
            time_zone=data["time_zone"] or None,
        )
        messages.success(request, "Your profile has been saved.")
        return redirect("accounts:settings")
    context = {
        "form": form,
        "email_confirmed": selectors.has_confirmed_email(user),
        "locked_until": selectors.withdrawal_locked_until(user),
        "pending_deletion": selectors.deletion_request_pending_of(user=user),
    }
    return render(request, "accounts/settings.html", context)


@login_required
@ratelimit("login_change", rules.RATE_LOGIN_CHANGE)
def username_change(request):
    form = UsernameChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.username_change(user=request.user, new_username=form.cleaned_data["username"])
        except (DomainError, ValidationError) as exc:
            form.add_error("username", exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(
                request,
                f"Your login is now “{request.user.username}”. Withdrawals are locked for "
                f"{rules.SENSITIVE_CHANGE_LOCK_DAYS} days.",
            )
            return redirect("accounts:settings")
    return render(request, "accounts/username_change.html", {"form": form})


@login_required
@ratelimit("deletion_request", rules.RATE_DELETION_REQUEST)
def deletion_request(request):
    form = DeletionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deletion_request_create(user=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your request has been sent to support. We will write to you by e-mail.")
            return redirect("accounts:settings")
    return render(request, "accounts/deletion_request.html", {"form": form})


@login_required
@require_POST
def mode_switch(request):
    """A8: one account, two modes; the switch only changes what menus and dashboards show."""
    try:
        services.mode_switch(user=request.user, mode=request.POST.get("mode", ""))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"You are now in {request.user.get_mode_display().lower()} mode.")
    return redirect(reverse("accounts:dashboard"))


def profile(request, username):
    person = selectors.profile_get(username=username)
    context = {"person": person, "badges": [ub.badge for ub in person.badges.all()]}
    return render(request, "accounts/profile.html", context)


@login_required
def notifications(request):
    page = Paginator(selectors.notifications_for(user=request.user), rules.NOTIFICATIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
@ratelimit("notifications", rules.RATE_NOTIFICATIONS)
def notification_open(request, pk):
    """Mark one notification read and follow its link."""
    notification = selectors.notifications_for(user=request.user).filter(pk=pk).first()
    if notification is None:
        return redirect("accounts:notifications")
    services.notifications_mark_read(user=request.user, ids=[pk])
    if target := safe_next(notification.url):
        return HttpResponseRedirect(target)  # a path, never looked up as a view name
    return redirect("accounts:notifications")


@login_required
@require_POST
@ratelimit("notifications", rules.RATE_NOTIFICATIONS)
def notifications_read_all(request):
    services.notifications_mark_read(user=request.user)
    if request.htmx:
        return render(request, "accounts/partials/bell.html", {"unread_notifications": 0})
    messages.success(request, "All notifications are marked as read.")
    return redirect_back(request, reverse("accounts:notifications"), referer=True)


@login_required
def notifications_bell(request):
    """The header's bell, refreshed by htmx every minute."""
    return render(
        request, "accounts/partials/bell.html", {"unread_notifications": selectors.unread_count(request.user)}
    )
