from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": "This login is already taken.",
        "email_taken": "An account with this e-mail address already exists. Log in, or reset your password.",
    }

    def is_open_for_signup(self, request):
        return getattr(settings, "ACCOUNT_ALLOW_REGISTRATION", True)

    def save_user(self, request, user, form, commit=True):
        if form.cleaned_data.get("time_zone"):  # our sign-up form: the zone the browser reported (common.dates)
            user.time_zone = form.cleaned_data["time_zone"]
        user = super().save_user(request, user, form, commit=commit)
        if commit and "accept_terms" in form.cleaned_data:  # our sign-up form (A1), not a social one
            from . import services

            services.signup_consents_record(
                user=user,
                is_adult=form.cleaned_data["is_adult"],
                accepts_terms=form.cleaned_data["accept_terms"],
            )
        return user
