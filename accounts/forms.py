from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html

from common import contacts, dates, ratelimit
from common.uploads import validate_image

from . import logins, rules
from .models import DeletionRequest, User


class SignupForm(AllauthSignupForm):
    """A1: adult and terms consent, both required; the adapter records them with their time (a service)."""

    is_adult = forms.BooleanField(
        label="I am 18 or older",
        error_messages={"required": "You must be at least 18 years old to use the site."},
    )
    accept_terms = forms.BooleanField(
        label="I accept the terms of service and the rules of conduct",
        error_messages={"required": "Please accept the terms of service to create an account."},
    )
    # Filled by static/js/timezone.js from the browser; anything unknown (or no script) means UTC, never an error.
    time_zone = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-detect-time-zone": ""}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        length = f"A login must be {rules.USERNAME_MIN_LENGTH} to {rules.USERNAME_MAX_LENGTH} characters long."
        self.fields["username"].error_messages.update(min_length=length, max_length=length)
        self.fields["username"].max_length = rules.USERNAME_MAX_LENGTH
        self.fields["username"].label = "Login"
        self.fields["username"].help_text = "Public. Latin letters, digits, “-” and “_”; you can change it once."
        self.fields["email"].label = "E-mail"
        self.order_fields(["email", "username", "password1", "password2", "is_adult", "accept_terms"])
        # T5: the terms accepted at sign-up link to the published rules (built here: URLs load after forms).
        self.fields["accept_terms"].label = format_html(
            'I accept the <a href="{}" target="_blank">terms of service</a> and the '
            '<a href="{}" target="_blank">rules of conduct</a>',
            reverse("pages:terms"),
            reverse("pages:conduct"),
        )

    def clean_time_zone(self):
        name = (self.cleaned_data.get("time_zone") or "").strip()
        return name if dates.is_time_zone(name) else dates.DEFAULT_TIME_ZONE

    def try_save(self, request):
        """T4: accounts created per address are limited (rules.RATE_SIGNUP_ACCOUNTS); the attempts allauth counts
        (rules.RATE_SIGNUP) allow many more, so a person fixing typos in the form is never stopped."""
        key = f"signup_accounts:{ratelimit.client_address(request)}"
        if ratelimit.exceeded(key, rules.RATE_SIGNUP_ACCOUNTS):
            return None, render(request, "429.html", {"action": "signup"}, status=429)
        # A valid form for an address that already has an account answers like a new one (no enumeration), so
        # it counts like one.
        ratelimit.hit(key, rules.RATE_SIGNUP_ACCOUNTS)
        return super().try_save(request)


def _sentence_case_labels(form, labels):
    """The library's forms label in Title Case ("New Password"); our pages speak in sentence case."""
    for name, label in labels.items():
        if name in form.fields:
            form.fields[name].label = label
            if "placeholder" in form.fields[name].widget.attrs:
                form.fields[name].widget.attrs["placeholder"] = label


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _sentence_case_labels(self, {"login": "Login or e-mail", "remember": "Remember me"})


class ChangePasswordForm(AllauthChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _sentence_case_labels(
            self,
            {"oldpassword": "Current password", "password1": "New password", "password2": "New password (again)"},
        )


class ResetPasswordKeyForm(AllauthResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _sentence_case_labels(self, {"password1": "New password", "password2": "New password (again)"})


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,  # left out: the zone stays as it is
        choices=dates.time_zone_choices,
        # static/js/timezone.js offers the browser's own zone when it differs
        widget=forms.Select(attrs={"data-suggest-time-zone": ""}),
        help_text="Dates and times on the site and in e-mails are shown in this time zone.",
    )

    class Meta:
        model = User
        fields = ["display_name", "city", "about", "skills", "avatar", "email_notifications", "time_zone"]
        widgets = {
            "about": forms.Textarea(attrs={"rows": 6}),
            "avatar": forms.FileInput(attrs={"accept": "image/*"}),
        }
        help_texts = {"avatar": "JPEG, PNG, GIF, BMP or TIFF, at most 4 MB."}

    def clean(self):
        """M3: no contact details in the public profile."""
        cleaned = super().clean()
        for name in ("display_name", "city", "about", "skills"):
            found = contacts.find_contacts(cleaned.get(name, ""))
            if found:
                self.add_error(
                    name,
                    f"Contact details (“{found[0]}”) are not allowed in your profile: "
                    "all contact goes through the site.",
                )
        return cleaned

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        if avatar and hasattr(avatar, "content_type"):  # a new upload, not the stored file
            validate_image(avatar)
        return avatar


class UsernameChangeForm(forms.Form):
    username = forms.CharField(
        label="New login", max_length=rules.USERNAME_MAX_LENGTH, validators=logins.USERNAME_VALIDATORS
    )
    confirm = forms.BooleanField(
        label="I understand the login can be changed only once, and withdrawals are locked for a week after.",
        error_messages={"required": "Please confirm you understand the consequences."},
    )


class DeletionRequestForm(forms.ModelForm):
    class Meta:
        model = DeletionRequest
        fields = ["reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 5})}
        labels = {"reason": "Why do you want to delete your account?"}

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 10:
            raise forms.ValidationError("Please tell us the reason in a sentence or two (at least 10 characters).")
        return reason
