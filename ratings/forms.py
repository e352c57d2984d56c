"""Forms of the ratings pages. They only parse input; every rule (who, when, length, contacts, rudeness) is
checked by ratings.services, whose message is shown next to the field."""

from django import forms

from . import rules


class _OwnIds(forms.Form):
    """The order page also has the chat's `text` field: these forms' ids get their own prefix (names stay)."""

    id_prefix = "rating"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


VERDICTS = (("like", "Like: I am happy with the work"), ("dislike", "Dislike: I am not happy with it"))


class FeedbackForm(_OwnIds):
    """R1: like or dislike, and a text."""

    id_prefix = "feedback"

    verdict = forms.ChoiceField(
        label="Your verdict",
        choices=VERDICTS,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose like or dislike."},
    )
    text = forms.CharField(
        label="Your feedback",
        max_length=rules.FEEDBACK_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "What was good, what could be better?"}),
        help_text=(
            f"{rules.FEEDBACK_TEXT_MIN_LENGTH} to {rules.FEEDBACK_TEXT_MAX_LENGTH:,} characters. It is public: "
            "no contact details, please."
        ),
        error_messages={"required": "Please write a few words about the work."},
    )

    @property
    def is_positive(self):
        return self.cleaned_data["verdict"] == "like"


class BuyerRatingForm(_OwnIds):
    """R1: the seller's private 1–5 rating of the buyer."""

    id_prefix = "buyer_rating"

    stars = forms.TypedChoiceField(
        label="How was it to work with this buyer?",
        choices=[(n, f"{n} ★") for n in range(rules.BUYER_RATING_MAX, rules.BUYER_RATING_MIN - 1, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text="Private: the buyer never sees it; other sellers see only an average of several ratings.",
        error_messages={
            "required": f"Please choose from {rules.BUYER_RATING_MIN} to {rules.BUYER_RATING_MAX} stars."
        },
    )


class ResponseForm(_OwnIds):
    """R2: the seller's one public response under a feedback."""

    id_prefix = "response"

    text = forms.CharField(
        label="Your public response",
        max_length=rules.RESPONSE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Thank the buyer or explain what happened."}),
        help_text="A moderator checks it before it is shown; once approved it cannot be changed.",
        error_messages={"required": "Please write your response."},
    )
