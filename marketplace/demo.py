"""Demo catalogue: categories with subcategories and attributes (C1), package price points (C4), and Kworks
of the demo sellers sergio and nina made through the real services (create, upload, submit, approve), one
waiting for moderation and one rejected. Gallery images are drawn with Pillow at seed time. Idempotent."""

import io
import unicodedata

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from accounts.models import User

from . import services
from .models import Attribute, AttributeChoice, Category, Kwork, PackagePricePoint

# (name, slug, icon, description, [(sub name, sub slug, [(attribute, slug, [choices])])])
TREE = [
    (
        "Design",
        "design",
        "✎",
        "Logos, brand identity, web and print design.",
        [
            (
                "Logo design",
                "logo-design",
                [
                    ("Style", "style", ["Minimalist", "Mascot", "Lettering", "Emblem"]),
                    ("Number of concepts", "concepts", ["1", "2", "3", "5"]),
                ],
            ),
            (
                "Web and app design",
                "web-design",
                [
                    ("Platform", "platform", ["Website", "Mobile app", "Landing page"]),
                ],
            ),
            ("Print and packaging", "print-design", []),
        ],
    ),
    (
        "Development & IT",
        "development-it",
        "⌘",
        "Websites, scripts, apps and servers.",
        [
            (
                "Full website creation",
                "full-website-creation",
                [
                    ("Type of service", "type-of-service", ["Business site", "Landing page", "Online store"]),
                    ("CMS", "cms", ["WordPress", "Tilda", "Joomla", "Custom"]),
                    ("Uniqueness", "uniqueness", ["Template-based", "Unique design"]),
                ],
            ),
            (
                "Website fixes",
                "website-fixes",
                [
                    ("CMS", "cms", ["WordPress", "Tilda", "Joomla", "Custom"]),
                ],
            ),
            (
                "Scripts and bots",
                "scripts-bots",
                [
                    ("Language", "language", ["Python", "JavaScript", "PHP"]),
                ],
            ),
        ],
    ),
    (
        "Texts & translations",
        "texts-translations",
        "¶",
        "Copywriting, articles, translations, proofreading.",
        [
            (
                "Translations",
                "translations",
                [
                    (
                        "Language pair",
                        "language-pair",
                        ["English ↔ Czech", "English ↔ German", "English ↔ Spanish"],
                    ),
                ],
            ),
            (
                "Articles and copywriting",
                "copywriting",
                [
                    ("Topic", "topic", ["Business", "Technology", "Lifestyle"]),
                ],
            ),
        ],
    ),
    (
        "SEO & traffic",
        "seo-traffic",
        "↗",
        "Audits, semantic cores, link building.",
        [
            ("SEO audit", "seo-audit", []),
            ("Keyword research", "keyword-research", []),
        ],
    ),
    (
        "Social media & marketing",
        "social-marketing",
        "#",
        "Content plans, ads, community management.",
        [
            ("Social media management", "smm", [("Network", "network", ["Instagram", "Facebook", "LinkedIn"])]),
            ("Advertising setup", "ads", []),
        ],
    ),
    (
        "Audio & video",
        "audio-video",
        "▶",
        "Editing, voice-over, intros and animation.",
        [
            ("Video editing", "video-editing", []),
            ("Voice-over", "voice-over", [("Voice", "voice", ["Male", "Female"])]),
        ],
    ),
    (
        "Business",
        "business",
        "▣",
        "Presentations, business plans, virtual assistance.",
        [
            ("Presentations", "presentations", []),
            ("Virtual assistant", "virtual-assistant", []),
        ],
    ),
]

PRICE_POINTS = {
    "design": {"economy": [1000, 1500, 2000], "standard": [2500, 3000, 5000], "business": [6000, 8000, 12000]},
    "development-it": {
        "economy": [2000, 3000, 5000],
        "standard": [6000, 8000, 12000],
        "business": [15000, 25000, 40000],
    },
}

PALETTE = [(15, 118, 110), (180, 83, 9), (30, 64, 175), (126, 34, 206), (190, 18, 60), (21, 128, 61)]

# seller, subcategory slug, title, volume, price $, days, attributes {slug: label}, options [(title, $)],
# packages None or {tier: (description, $, days)}
KWORKS = [
    (
        "sergio",
        "full-website-creation",
        "I will build a WordPress business website with five pages",
        "1 website of 5 pages",
        150,
        7,
        {"type-of-service": "Business site", "cms": "WordPress", "uniqueness": "Template-based"},
        [("Extra page", 20), ("Contact form with spam protection", 15), ("Speed optimisation", 40)],
        None,
    ),
    (
        "sergio",
        "full-website-creation",
        "I will create a landing page on Tilda that converts",
        "1 landing page",
        None,
        5,
        {"type-of-service": "Landing page", "cms": "Tilda", "uniqueness": "Unique design"},
        [("Copywriting for the page", 30)],
        {
            "economy": ("One screen\nMobile version", 50, 3),
            "standard": ("Up to 5 screens\nMobile version\nForms", 80, 5),
            "business": ("Up to 10 screens\nMobile version\nForms\nAnimations", 150, 7),
        },
    ),
    (
        "sergio",
        "full-website-creation",
        "I will set up an online store on WooCommerce",
        "1 store up to 50 products",
        200,
        10,
        {"type-of-service": "Online store", "cms": "WordPress", "uniqueness": "Template-based"},
        [("Import 100 more products", 40), ("Payment gateway setup", 25)],
        None,
    ),
    (
        "sergio",
        "website-fixes",
        "I will fix any WordPress error or broken layout",
        "1 issue",
        15,
        1,
        {"cms": "WordPress"},
        [("Urgent: within 6 hours", 10)],
        None,
    ),
    (
        "sergio",
        "logo-design",
        "I will design a minimalist logo for your brand",
        "1 logo in 2 concepts",
        None,
        3,
        {"style": "Minimalist", "concepts": "2"},
        [("Source files (AI, SVG)", 10), ("Business card design", 15)],
        {
            "economy": ("1 concept\nPNG file", 15, 2),
            "standard": ("2 concepts\nPNG and SVG", 30, 3),
            "business": ("3 concepts\nAll source files\nBrand colours", 60, 5),
        },
    ),
    (
        "sergio",
        "scripts-bots",
        "I will write a Python script to automate your routine",
        "1 script up to 200 lines",
        40,
        3,
        {"language": "Python"},
        [("Documentation", 10)],
        None,
    ),
    (
        "nina",
        "translations",
        "I will translate your text from English to Czech",
        "1,000 words",
        20,
        2,
        {"language-pair": "English ↔ Czech"},
        [("Proofreading by a second linguist", 10), ("Express: 24 hours", 8)],
        None,
    ),
    (
        "nina",
        "translations",
        "I will translate your website from English to German",
        "1,500 words",
        30,
        3,
        {"language-pair": "English ↔ German"},
        [("SEO-friendly keywords", 12)],
        None,
    ),
    (
        "nina",
        "copywriting",
        "I will write an SEO article about technology",
        "1 article of 1,000 words",
        25,
        3,
        {"topic": "Technology"},
        [("Images with licences", 5), ("Extra 500 words", 12)],
        None,
    ),
    (
        "nina",
        "copywriting",
        "I will write product descriptions that sell",
        "10 descriptions",
        30,
        4,
        {"topic": "Business"},
        [],
        None,
    ),
    (
        "nina",
        "seo-audit",
        "I will do a full SEO audit of your website",
        "1 website up to 100 pages",
        60,
        5,
        {},
        [("Competitor analysis", 30)],
        None,
    ),
    (
        "nina",
        "keyword-research",
        "I will research keywords for your online shop",
        "1 semantic core up to 300 keys",
        35,
        4,
        {},
        [],
        None,
    ),
    (
        "nina",
        "presentations",
        "I will design a clear business presentation",
        "1 presentation of 10 slides",
        25,
        3,
        {},
        [("Extra 5 slides", 10)],
        None,
    ),
]

WAITING = (
    "sergio",
    "voice-over",
    "I will record a warm male voice-over for your video",
    "1 minute of audio",
    20,
    2,
    {"voice": "Male"},
    [],
    None,
)
REJECTED = (
    "nina",
    "virtual-assistant",
    "I will read your horoscope and predict your business luck",
    "1 reading",
    10,
    1,
    {},
    [],
    None,
)

DESCRIPTION = (
    "{title}. You get exactly what is described here, on time, with clear communication in the order chat. "
    "Before starting I read your brief carefully and ask about anything unclear. The price includes one "
    "round of revisions; extra options are listed with the price, next to the Order button. {volume} is one "
    "unit: order several units for bigger jobs."
)


# The bundled font has no arrows or typographic dashes and quotes: they would draw as a missing-glyph box.
_PLAIN = str.maketrans({"↔": "to", "→": "to", "–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"'})


def _drawable(text):
    text = unicodedata.normalize("NFKD", text.translate(_PLAIN))
    return text.encode("ascii", "ignore").decode()


def gallery_png(title, index):
    """A small 640×480 cover with the Kwork's title: made at seed time, never committed."""
    color = PALETTE[index % len(PALETTE)]
    image = Image.new("RGB", (640, 480), color)
    draw = ImageDraw.Draw(image)
    for band in range(0, 480, 12):
        shade = tuple(min(255, c + band // 12) for c in color)
        draw.rectangle([0, band, 640, band + 12], fill=shade)
    try:
        font = ImageFont.load_default(size=34)
    except TypeError:  # Pillow < 10.1
        font = ImageFont.load_default()
    words, lines, line = _drawable(title.replace("I will ", "")).split(), [], ""
    for word in words:
        if len(line) + len(word) > 22:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    y = 240 - 22 * len(lines)
    for text in lines:
        first = text[:1].upper() + text[1:] if text == lines[0] else text  # keeps "WordPress" as it is
        draw.text((40, y), first, fill=(255, 255, 255), font=font)
        y += 44
    # The label's pill is sized from the text's own box, so the word sits inside it whatever the font.
    left, top, right, bottom = draw.textbbox((0, 0), "Gigly", font=font)
    pad_x, pad_y, x, y = 18, 8, 40, 400
    draw.rounded_rectangle(
        [x, y, x + (right - left) + 2 * pad_x, y + (bottom - top) + 2 * pad_y], radius=10, fill=(255, 255, 255)
    )
    draw.text((x + pad_x - left, y + pad_y - top), "Gigly", fill=color, font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return SimpleUploadedFile(f"cover-{index}.png", buffer.getvalue(), content_type="image/png")


def _tree(log):
    for position, (name, slug, icon, description, subs) in enumerate(TREE):
        parent, _ = Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "icon": icon, "description": description, "position": position}
        )
        for tier, points in PRICE_POINTS.get(slug, {}).items():
            for cents in points:
                PackagePricePoint.objects.get_or_create(category=parent, tier=tier, price_cents=cents)
        for sub_position, (sub_name, sub_slug, attributes) in enumerate(subs):
            sub, _ = Category.objects.update_or_create(
                slug=sub_slug, defaults={"name": sub_name, "parent": parent, "position": sub_position}
            )
            for attr_position, (attr_name, attr_slug, choices) in enumerate(attributes):
                attribute, _ = Attribute.objects.update_or_create(
                    category=sub, slug=attr_slug, defaults={"name": attr_name, "position": attr_position}
                )
                for choice_position, label in enumerate(choices):
                    AttributeChoice.objects.update_or_create(
                        attribute=attribute,
                        slug=_slug(label),
                        defaults={"label": label, "position": choice_position},
                    )
    log(f"  categories: {Category.objects.count()}, attributes: {Attribute.objects.count()}")


def _slug(label):
    from django.utils.text import slugify

    return slugify(label.replace("↔", "to")) or "x"


def _data(spec):
    _seller, sub_slug, title, volume, price, days, attributes, options, packages = spec
    sub = Category.objects.get(slug=sub_slug)
    attr_map = {}
    for attribute in Attribute.objects.filter(category=sub).prefetch_related("choices"):
        label = attributes.get(attribute.slug)
        choice = next((c for c in attribute.choices.all() if c.label == label), None)
        if choice:
            attr_map[str(attribute.pk)] = choice.pk
    return {
        "category": sub,
        "title": title,
        "description": DESCRIPTION.format(
            title=title.replace("I will", "I will gladly"), volume=volume.capitalize()
        ),
        "volume": volume,
        "price_cents": (price or 10) * 100,
        "lead_time_days": days,
        "instructions": "Send me your brief: goals, examples you like, deadlines and any materials you already have.",
        "youtube_url": "",
        "uses_packages": packages is not None,
        "attributes": attr_map,
        "options": [{"title": t, "price_cents": p * 100} for t, p in options],
        "packages": {
            tier: {"description": d, "price_cents": p * 100, "lead_time_days": dd}
            for tier, (d, p, dd) in (packages or {}).items()
        },
    }


def _make(spec, index, log, *, outcome):
    seller = User.objects.get(username=spec[0])
    if Kwork.objects.filter(seller=seller, title=spec[2]).exists():
        return
    kwork = services.kwork_create(seller=seller, data=_data(spec))
    services.kwork_image_add(seller=seller, kwork=kwork, upload=gallery_png(spec[2], index))
    services.kwork_image_add(seller=seller, kwork=kwork, upload=gallery_png(spec[2] + " — examples", index + 3))
    services.kwork_submit(seller=seller, kwork=kwork)
    moderator = User.objects.get(username="maria")
    if outcome == "approve":
        services.kwork_approve(kwork=kwork, moderator=moderator)
    elif outcome == "reject":
        services.kwork_reject(
            kwork=kwork,
            moderator=moderator,
            reason=Kwork.RejectReason.ASTROLOGY,
            note="Astrology services are not allowed on the site.",
        )
    log(f"  kwork {kwork.title[:50]:<50} {outcome}")


def seed(log):
    _tree(log)
    for index, spec in enumerate(KWORKS):
        _make(spec, index, log, outcome="approve")
    _make(WAITING, 20, log, outcome="wait")
    _make(REJECTED, 21, log, outcome="reject")
    _pending_changes(log)
    services.search_terms_refresh()


EDITED = "I will write product descriptions that sell"


def _pending_changes(log):
    """C7: an approved Kwork that keeps selling while its edits wait for the moderator (shown as a diff)."""
    kwork = Kwork.objects.filter(seller__username="nina", title=EDITED, approved_at__isnull=False).first()
    if kwork is None or kwork.pending_changes is not None or kwork.moderated_at != kwork.approved_at:
        return  # already edited (waiting, approved or rejected) on an earlier run
    spec = next(spec for spec in KWORKS if spec[2] == EDITED)
    data = _data(spec) | {
        "title": "I will write product descriptions that sell, with SEO keywords",
        "volume": "12 descriptions",
        "price_cents": 3500,
    }
    data["description"] += " Now with keyword research for every product page."
    services.kwork_update(seller=kwork.seller, kwork=kwork, data=data, submit=True)
    log(f"  kwork {EDITED[:50]:<50} changes waiting for moderation")
