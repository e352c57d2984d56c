"""A12: the seller's identity-check page, reached from settings."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from common.errors import DomainError
from common.ratelimit import ratelimit

from . import identity, rules


class IdentityDocumentForm(forms.Form):
    document = forms.FileField(
        label="Identity document",
        help_text="A photo or scan of your passport or ID card: an image or a PDF of at most 4 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )


@login_required
@ratelimit("profile", rules.RATE_PROFILE)
def identity_view(request):
    form = IdentityDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            identity.identity_check_submit(user=request.user, document=form.cleaned_data["document"])
        except DomainError as error:
            form.add_error("document", error.message)
        else:
            messages.success(request, "Your document has been sent. Our staff will check it soon.")
            return redirect("accounts:identity")
    context = {
        "form": form,
        "latest": identity.identity_check_latest_of(user=request.user),
        "verified": identity.identity_is_verified(user=request.user),
    }
    return render(request, "accounts/identity.html", context, status=400 if form.errors else 200)
