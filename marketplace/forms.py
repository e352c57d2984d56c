"""Forms of the marketplace pages. They parse input; the rules themselves are checked in services.py."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from common.money import format_cents
from common.uploads import MAX_UPLOAD_BYTES, validate_attachment, validate_image
from payments.rules import seller_share_cents

from . import rules
from .models import Attribute, Category, Kwork
from .weekends import weekend_window_text

MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)

OPTION_KEY_RE = re.compile(r"option_(\d{1,4})_(?:id|title|price)")
TIER_LABELS = {"economy": "Economy", "standard": "Standard", "business": "Business"}


AMOUNT_ERROR = "Enter an amount in dollars, for example 15 or 4.50."
# Far above any price of the rule book, far below what overflows: larger amounts are refused as typos.
AMOUNT_MAX_DOLLARS = Decimal(1_000_000)


def dollars_to_cents(value):
    if value in (None, ""):
        return 0
    try:
        amount = Decimal(str(value).replace(",", "").replace("$", "").strip())
    except InvalidOperation:
        raise ValidationError(AMOUNT_ERROR) from None
    # NaN, Infinity and 1e999999 are valid Decimals but no amount.
    if not amount.is_finite() or abs(amount) > AMOUNT_MAX_DOLLARS:
        raise ValidationError(AMOUNT_ERROR)
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def price_label(cents):
    """A package price as the editor offers it: "$100", "$12.50"."""
    return format_cents(cents).removesuffix(".00")


class PackagePriceField(forms.TypedChoiceField):
    """A package price among its subcategory's price points. A price the chosen subcategory does not have (the
    page offered another subcategory's, e.g. without JavaScript) is checked by KworkForm.clean, which names the
    prices this subcategory has, in dollars."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, empty_value=0, **kwargs)
        self.error_messages["invalid_choice"] = "Choose one of the prices offered."

    def valid_value(self, value):
        return True


class SubcategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} › {obj.name}"


class KworkForm(forms.Form):
    """The seller's Kwork editor (C1–C5). Attribute, option and package fields are added per subcategory."""

    category = SubcategoryChoiceField(
        queryset=Category.objects.filter(parent__isnull=False)
        .select_related("parent")
        .order_by("parent__position", "parent__name", "position", "name"),
        label="Subcategory",
        empty_label="Choose a subcategory…",
    )
    title = forms.CharField(
        max_length=rules.KWORK_TITLE_MAX_LENGTH,
        help_text="Start with “I will…”, for example: I will design a minimalist logo.",
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 7}),
        max_length=rules.KWORK_DESCRIPTION_MAX_LENGTH,
        help_text="What exactly the buyer gets. No contact details or outside links.",
    )
    volume = forms.CharField(
        label="Volume of one unit", max_length=120, help_text="For example: 1 logo, 1,000 words."
    )
    price = forms.IntegerField(
        label="Price of one unit ($)",
        initial=rules.KWORK_DEFAULT_PRICE_CENTS // 100,
        min_value=1,
        help_text=(
            f"From {format_cents(rules.KWORK_MIN_PRICE_CENTS).removesuffix('.00')}. You receive "
            f"{rules.SELLER_SHARE_PERCENT} %: a {format_cents(rules.KWORK_MIN_PRICE_CENTS).removesuffix('.00')} "
            f"Kwork pays you {format_cents(seller_share_cents(rules.KWORK_MIN_PRICE_CENTS)).removesuffix('.00')}."
        ),
    )
    lead_time_days = forms.IntegerField(
        label="Lead time (days)", initial=rules.KWORK_DEFAULT_LEAD_TIME_DAYS, min_value=1
    )
    instructions = forms.CharField(
        label="Instructions for the buyer",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text="What you need from the buyer to start.",
    )
    youtube_url = forms.CharField(
        label="YouTube video (optional)",
        required=False,
        max_length=200,
        help_text="A link like https://www.youtube.com/watch?v=… or https://youtu.be/…",
    )
    uses_packages = forms.BooleanField(
        label="Sell as three packages (Economy, Standard, Business) instead of one price",
        required=False,
    )

    def __init__(self, *args, category=None, price_points=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.category_obj = category
        self.attribute_fields = []
        if category is not None:
            for attribute in Attribute.objects.filter(category=category).prefetch_related("choices"):
                name = f"attr_{attribute.pk}"
                self.fields[name] = forms.ChoiceField(
                    label=attribute.name,
                    required=False,
                    choices=[("", "—")] + [(str(c.pk), c.label) for c in attribute.choices.all()],
                )
                self.attribute_fields.append(name)
        self.option_rows = []
        for i in range(rules.MAX_OPTIONS):
            self.fields[f"option_{i}_id"] = forms.CharField(required=False, widget=forms.HiddenInput)
            self.fields[f"option_{i}_title"] = forms.CharField(required=False, max_length=100, label="Option")
            self.fields[f"option_{i}_price"] = forms.CharField(required=False, max_length=12, label="Price ($)")
            self.option_rows.append(i)
        points = price_points or rules.DEFAULT_PACKAGE_PRICE_POINTS
        self.price_points = points
        self.package_tiers = []
        for tier in rules.PACKAGE_TIERS:
            label = TIER_LABELS[tier]
            self.fields[f"package_{tier}_description"] = forms.CharField(
                required=False,
                label=f"{label}: what is included",
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=1000,
                help_text="One item a line.",
            )
            self.fields[f"package_{tier}_price"] = PackagePriceField(
                required=False,
                label=f"{label} price",
                choices=[("", "—")] + [(str(c), price_label(c)) for c in points.get(tier, [])],
                # The subcategory select sends the chosen prices along, so a change keeps those still offered.
                widget=forms.Select(attrs={"data-package-price": ""}),
            )
            self.fields[f"package_{tier}_days"] = forms.IntegerField(
                required=False, min_value=1, label=f"{label} lead time (days)"
            )
            self.package_tiers.append(tier)
        self.block_errors = {}

    def bound_rows(self):
        return [
            (self[f"option_{i}_id"], self[f"option_{i}_title"], self[f"option_{i}_price"])
            for i in self.option_rows
        ]

    def bound_packages(self):
        return [
            (
                TIER_LABELS[tier],
                self[f"package_{tier}_description"],
                self[f"package_{tier}_price"],
                self[f"package_{tier}_days"],
            )
            for tier in self.package_tiers
        ]

    def bound_attributes(self):
        return [self[name] for name in self.attribute_fields]

    def _forged_option_rows(self):
        """Option rows beyond the form's MAX_OPTIONS (a forged request). They are passed on, not dropped, so
        the service refuses the Kwork with C3's message instead of saving it without them."""
        indexes = sorted(
            {
                int(match.group(1))
                for key in (self.data if self.is_bound else ())
                if (match := OPTION_KEY_RE.fullmatch(key)) and int(match.group(1)) >= rules.MAX_OPTIONS
            }
        )
        rows = []
        for i in indexes:
            title = str(self.data.get(f"option_{i}_title") or "").strip()
            if title:
                rows.append({"id": None, "title": title, "price_cents": 0})
        return rows

    def clean(self):
        data = super().clean()
        options = []
        for i in self.option_rows:
            title = (data.get(f"option_{i}_title") or "").strip()
            price = data.get(f"option_{i}_price")
            if not title and not price:
                continue
            if not title:
                self.add_error(f"option_{i}_title", "Give the option a title.")
                continue
            try:
                cents = dollars_to_cents(price)
            except ValidationError as error:
                self.add_error(f"option_{i}_price", error)
                continue
            options.append({"id": data.get(f"option_{i}_id") or None, "title": title, "price_cents": cents})
        data["options"] = options + self._forged_option_rows()
        self._check_package_prices(data)
        return data

    def _check_package_prices(self, data):
        """Each chosen package price must be one of the chosen subcategory's; unused packages' prices are dropped."""
        uses_packages = data.get("uses_packages")
        for tier in self.package_tiers:
            name = f"package_{tier}_price"
            cents = data.get(name)
            allowed = self.price_points.get(tier, [])
            if not cents or cents in allowed:
                continue
            if not uses_packages:
                data[name] = 0
                continue
            where = f"“{self.category_obj}”" if self.category_obj is not None else "this subcategory"
            self.add_error(
                name,
                f"{price_label(cents)} is not a {TIER_LABELS[tier]} price of {where}: the prices follow the "
                f"subcategory. Choose one of {', '.join(price_label(c) for c in allowed)}.",
            )

    def to_service_data(self):
        data = self.cleaned_data
        return {
            "category": data["category"],
            "title": data["title"],
            "description": data["description"],
            "volume": data["volume"],
            "price_cents": (data.get("price") or 0) * 100,
            "lead_time_days": data.get("lead_time_days") or 0,
            "instructions": data.get("instructions", ""),
            "youtube_url": data.get("youtube_url", ""),
            "uses_packages": data.get("uses_packages"),
            "attributes": {name.removeprefix("attr_"): data.get(name) for name in self.attribute_fields},
            "options": data["options"],
            "packages": {
                tier: {
                    "description": data.get(f"package_{tier}_description", ""),
                    "price_cents": data.get(f"package_{tier}_price") or 0,
                    "lead_time_days": data.get(f"package_{tier}_days") or 0,
                }
                for tier in self.package_tiers
            },
        }

    def add_domain_error(self, error):
        field = error.field
        if field in self.fields:
            self.add_error(field, error.message)
        else:
            self.block_errors[field or "form"] = error.message
            self.add_error(None, error.message)


def initial_from_data(data, kwork=None):
    """Initial values of the editor from stored data (a Kwork, or its pending changes)."""
    initial = {
        "category": data["category"],
        "title": data["title"],
        "description": data["description"],
        "volume": data["volume"],
        "price": data["price_cents"] // 100,
        "lead_time_days": data["lead_time_days"],
        "instructions": data["instructions"],
        "youtube_url": f"https://www.youtube.com/watch?v={data['youtube_id']}" if data.get("youtube_id") else "",
        "uses_packages": data["uses_packages"],
    }
    for attribute_id, choice_id in data["attributes"].items():
        initial[f"attr_{attribute_id}"] = str(choice_id)
    for i, option in enumerate(data["options"]):
        initial[f"option_{i}_id"] = option.get("id") or ""
        initial[f"option_{i}_title"] = option["title"]
        initial[f"option_{i}_price"] = f"{option['price_cents'] / 100:.2f}".removesuffix(".00")
    for tier, package in data["packages"].items():
        initial[f"package_{tier}_description"] = package["description"]
        initial[f"package_{tier}_price"] = str(package["price_cents"])
        initial[f"package_{tier}_days"] = package["lead_time_days"]
    return initial


def kwork_as_data(kwork):
    """The approved (current) content of a Kwork in the editor's data shape."""
    return {
        "category": kwork.category_id,
        "title": kwork.title,
        "description": kwork.description,
        "volume": kwork.volume,
        "price_cents": kwork.price_cents,
        "lead_time_days": kwork.lead_time_days,
        "instructions": kwork.instructions,
        "youtube_id": kwork.youtube_id,
        "uses_packages": kwork.uses_packages,
        "attributes": {str(v.attribute_id): v.choice_id for v in kwork.attribute_values.all()},
        "options": [
            {"id": o.pk, "title": o.title, "price_cents": o.price_cents}
            for o in kwork.options.all()
            if o.is_active
        ],
        "packages": {
            p.tier: {
                "description": p.description,
                "price_cents": p.price_cents,
                "lead_time_days": p.lead_time_days,
            }
            for p in kwork.packages.all()
        },
    }


class KworkImageForm(forms.Form):
    image = forms.FileField(
        label="Add a gallery image", help_text=f"JPEG, PNG, GIF, BMP or TIFF, at most {MAX_UPLOAD_MB} MB."
    )

    def clean_image(self):
        return validate_image(self.cleaned_data["image"])


class KworkFileForm(forms.Form):
    file = forms.FileField(
        label="Attach a file",
        help_text=f"Images, video, audio, zip or rar, at most {MAX_UPLOAD_MB} MB. Larger: share a link.",
    )

    def clean_file(self):
        return validate_attachment(self.cleaned_data["file"])


class RejectForm(forms.Form):
    reason = forms.ChoiceField(choices=Kwork.RejectReason.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Note to the seller")


class WeekendForm(forms.Form):
    hide_on_weekends = forms.BooleanField(
        required=False,
        label="Hide my Kworks on weekends",
        help_text=f"Hidden from the catalogue and not orderable from {weekend_window_text()}.",
    )
