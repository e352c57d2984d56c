"""Generate N realistic Kworks (default 100,000) into a PostgreSQL database, fast (COPY in batches).

    createdb -h 127.0.0.1 -U postgres gigly_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gigly_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gigly_bench .venv/bin/python bench/generate_kworks.py --count 100000

It makes the demo category tree (marketplace.demo), --sellers sellers, the Kworks (about 1 in 5 with options,
1 in 8 with packages, 1 in 10 paused, 1 in 20 still on moderation), their attribute values, then fills the
stored tsvector in one UPDATE and runs ANALYZE. Titles and descriptions are assembled from a vocabulary per
subcategory, so the search has realistic word frequencies. Deterministic (--seed)."""

import argparse
import io
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from marketplace import demo, services  # noqa: E402
from marketplace.models import Attribute, Category  # noqa: E402

VERBS = ["I will", "I will professionally", "I will quickly", "I will carefully", "I will expertly"]
TOPICS = {
    "logo-design": [
        "design a minimalist logo",
        "create a modern logo",
        "draw a mascot logo",
        "design a lettering logo",
        "redesign your old logo",
        "create a brand identity",
    ],
    "web-design": [
        "design a landing page in Figma",
        "design a mobile app UI",
        "create a website mockup",
        "design a dashboard interface",
    ],
    "print-design": ["design a flyer", "create a business card", "design product packaging", "design a poster"],
    "full-website-creation": [
        "build a WordPress website",
        "create a landing page on Tilda",
        "build an online store",
        "develop a business website",
        "make a Joomla site",
        "build a custom Django website",
    ],
    "website-fixes": [
        "fix WordPress errors",
        "speed up your website",
        "fix the layout of your site",
        "move your site to a new hosting",
        "remove malware from WordPress",
    ],
    "scripts-bots": [
        "write a Python script",
        "create a Telegram bot",
        "write a web scraper",
        "automate Excel reports",
        "write a JavaScript widget",
    ],
    "translations": [
        "translate English to Czech",
        "translate your website to German",
        "translate documents to Spanish",
        "proofread your translation",
    ],
    "copywriting": [
        "write an SEO article",
        "write product descriptions",
        "write a blog post about technology",
        "write a sales letter",
        "write website copy",
    ],
    "seo-audit": ["do a technical SEO audit", "audit your website for SEO", "find SEO errors on your site"],
    "keyword-research": [
        "research keywords for your shop",
        "build a semantic core",
        "find low competition keywords",
    ],
    "smm": ["manage your Instagram account", "create a content plan for Facebook", "grow your LinkedIn page"],
    "ads": ["set up Google Ads", "launch Facebook ads", "configure retargeting campaigns"],
    "video-editing": [
        "edit your YouTube video",
        "make a promo video",
        "edit a wedding video",
        "add subtitles to video",
    ],
    "voice-over": ["record a male voice-over", "record a female voice-over", "voice your explainer video"],
    "presentations": ["design a business presentation", "make a pitch deck", "redesign your PowerPoint slides"],
    "virtual-assistant": [
        "be your virtual assistant",
        "do data entry",
        "manage your e-mail inbox",
        "research suppliers for you",
    ],
}
QUALIFIERS = [
    "in 24 hours",
    "with unlimited revisions",
    "for your business",
    "for a small budget",
    "that converts",
    "with source files",
    "for startups",
    "in high quality",
    "",
    "",
    "",
]
SENTENCES = [
    "I have more than {years} years of experience and {count} happy clients.",
    "You get a clean result, delivered on time, with clear communication in the order chat.",
    "Before starting I read your brief carefully and ask about anything unclear.",
    "The price includes {rev} rounds of revisions and all the source files.",
    "I work with {tool} every day and follow the best practices of the field.",
    "Extra options let you get it faster or add more volume.",
    "Send me examples you like and I will match the style exactly.",
    "Quality is checked twice before delivery.",
]
TOOLS = [
    "Figma",
    "Photoshop",
    "Illustrator",
    "WordPress",
    "Python",
    "Excel",
    "Premiere Pro",
    "Google Analytics",
    "Ahrefs",
    "Canva",
    "Tilda",
    "Django",
]
OPTION_TITLES = [
    "Express delivery",
    "Source files",
    "Extra revision",
    "Commercial licence",
    "Extra page",
    "Additional 500 words",
    "Social media kit",
    "Priority support",
]
BATCH = 10_000


def tsv(value):
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", "\\n")


def copy(table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else tsv(v) for v in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def make_sellers(count, rng):
    existing = set(User.objects.filter(username__startswith="bench-seller-").values_list("username", flat=True))
    now = timezone.now()
    users = [
        User(
            username=f"bench-seller-{i}",
            email=f"bench-seller-{i}@bench.test",
            display_name=f"Seller {i}",
            password="!",
            last_seen_at=now - timedelta(hours=rng.randint(0, 24 * 60)),
            mode="seller",
        )
        for i in range(count)
        if f"bench-seller-{i}" not in existing
    ]
    User.objects.bulk_create(users, batch_size=2000)
    return list(User.objects.filter(username__startswith="bench-seller-").values_list("pk", flat=True))


def generate(count, sellers, seed):
    rng = random.Random(seed)
    demo._tree(print)
    subs = list(Category.objects.filter(parent__isnull=False))
    attrs = {}
    for attribute in Attribute.objects.prefetch_related("choices"):
        attrs.setdefault(attribute.category_id, []).append((attribute.pk, [c.pk for c in attribute.choices.all()]))
    seller_ids = make_sellers(sellers, rng)
    # Seller figures on the ratings app's scales: stars 3.5-5 (R6), rating and responsibility 0-100 (R3, R4).
    seller_stats = {
        pk: (round(rng.uniform(3.5, 5.0) * 2) / 2, rng.randint(0, 400), round(rng.uniform(60, 100), 1))
        for pk in seller_ids
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM marketplace_kwork")
        next_id = cursor.fetchone()[0] + 1
    columns = [
        "id",
        "seller_id",
        "category_id",
        "title",
        "description",
        "volume",
        "price_cents",
        "lead_time_days",
        "instructions",
        "youtube_id",
        "uses_packages",
        "status",
        "auto_paused",
        "weekend_hidden",
        "seller_hides_weekends",
        "review_requested_at",
        "reject_reason",
        "reject_note",
        "approved_at",
        "seller_rating",
        "seller_feedback_count",
        "seller_responsibility",
        "seller_level",
        "rating",
        "feedback_count",
        "conversion",
        "top_rated",
        "orders_count",
        "created_at",
        "updated_at",
        "seller_stars",
        "views_count",
        "moderation_version",
        "portfolio_orders_count",
        "portfolio_paused",
        "answer_blocked",
    ]
    now = timezone.now()
    started = time.monotonic()
    made = 0
    while made < count:
        kworks, values, options, packages = [], [], [], []
        for _ in range(min(BATCH, count - made)):
            pk = next_id
            next_id += 1
            sub = rng.choice(subs)
            topic = rng.choice(TOPICS.get(sub.slug, ["help with your project"]))
            title = " ".join(filter(None, [rng.choice(VERBS), topic, rng.choice(QUALIFIERS)]))[:80]
            description = " ".join(
                s.format(
                    years=rng.randint(2, 15),
                    count=rng.randint(20, 900),
                    rev=rng.randint(1, 3),
                    tool=rng.choice(TOOLS),
                )
                for s in rng.sample(SENTENCES, 5)
            )
            description = f"{title[7:].capitalize()}. {description}"
            seller = rng.choice(seller_ids)
            stars, feedbacks, responsibility = seller_stats[seller]
            views = rng.randint(0, 5000)
            orders = rng.randint(0, 500)
            roll = rng.random()
            status = "paused" if roll < 0.10 else "moderation" if roll < 0.15 else "active"
            uses_packages = rng.random() < 0.125
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 700))
            price = rng.choice([10, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300]) * 100
            kworks.append(
                [
                    pk,
                    seller,
                    sub.pk,
                    title,
                    description,
                    f"{rng.randint(1, 5)} unit(s)",
                    price,
                    rng.choice([1, 2, 3, 4, 5, 7, 10, 14]),
                    "Send me your brief and examples.",
                    "",
                    uses_packages,
                    status,
                    False,
                    False,
                    False,
                    created if status == "moderation" else None,
                    "",
                    "",
                    None if status == "moderation" else created,
                    stars * 20,
                    feedbacks,
                    responsibility,
                    "newbie",
                    round(rng.uniform(60, 100), 1),
                    rng.randint(0, 200),
                    round(orders / views, 4) if views else 0.0,
                    rng.random() < 0.03,
                    orders,
                    created,
                    created,
                    stars,
                    views,
                    0,
                    0,
                    False,
                    False,
                ]
            )
            for attribute_id, choice_ids in attrs.get(sub.pk, []):
                values.append([pk, attribute_id, rng.choice(choice_ids)])
            if rng.random() < 0.2 and not uses_packages:
                for position, option_title in enumerate(rng.sample(OPTION_TITLES, rng.randint(1, 4))):
                    options.append(
                        [pk, option_title, rng.choice([400, 500, 1000, 1500, 2000, 5000]), position, True]
                    )
            if uses_packages:
                for tier, cents, days in (
                    ("economy", price, 2),
                    ("standard", price * 2, 4),
                    ("business", price * 4, 7),
                ):
                    packages.append([pk, tier, "Included:\nwork\nsource files", cents, days])
        copy("marketplace_kwork", columns, kworks)
        copy("marketplace_kworkattributevalue", ["kwork_id", "attribute_id", "choice_id"], values)
        copy("marketplace_kworkoption", ["kwork_id", "title", "price_cents", "position", "is_active"], options)
        copy(
            "marketplace_kworkpackage",
            ["kwork_id", "tier", "description", "price_cents", "lead_time_days"],
            packages,
        )
        made += len(kworks)
        print(f"  {made:>7} Kworks  ({time.monotonic() - started:.1f} s)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('marketplace_kwork', 'id'), (SELECT max(id) FROM marketplace_kwork))"
        )
        print("  filling the search vectors …")
        cursor.execute("SELECT array_agg(id) FROM marketplace_kwork WHERE search_vector IS NULL")
        ids = cursor.fetchone()[0] or []
    services.kwork_search_vectors_update(ids)
    print(f"  typo vocabulary: {services.search_terms_refresh()} words")
    print(f"Done: {made} Kworks in {time.monotonic() - started:.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--sellers", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/gigly_bench")
    from django.db import transaction

    with transaction.atomic():
        generate(args.count, args.sellers, args.seed)
    with connection.cursor() as cursor:  # the search-vector UPDATE left dead index entries: clean them
        cursor.execute("VACUUM ANALYZE marketplace_kwork")


if __name__ == "__main__":
    main()
