"""What one grid of 24 catalogue cards costs to produce, in-process (issue 14: "consider Jinja2 for the card
fragments if the Django engine remains the cost — measure both"):

1. Django: templates/marketplace/partials/card.html rendered 24 times (what a cold grid does);
2. Jinja2: the same card written for Jinja2 (a faithful port, below), rendered 24 times — only when jinja2 is
   importable; it is not a project dependency, so install it aside:
       pip install --target /tmp/jinja jinja2 && PYTHONPATH=/tmp/jinja .venv/bin/python bench/card_render_bench.py
3. the fragment path as served (marketplace.caching.cards_html with a warm cache: one get_many, the keys'
   hashes, the hearts put in for a logged-in person).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gigly_bench REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/card_render_bench.py

Prints the median of --rounds timings per grid, with the load average; all in the same run."""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ["LOG_LEVEL"] = "WARNING"

# card.html for Jinja2: the same markup and the same values (money formatting through the project's function).
JINJA_CARD = """<article class="kwork-card" data-testid="kwork-card">
  <a class="kwork-card-cover" href="{{ url }}" tabindex="-1" aria-hidden="true">{% set cover = kwork.gallery[0] if kwork.gallery else None %}{% if cover %}<img src="{{ cover.image.url }}" alt="" loading="lazy">{% else %}<span class="kwork-card-placeholder">{{ kwork.category.name[:1] }}</span>{% endif %}</a>
  <div class="kwork-card-body">
    <h3 class="kwork-card-title"><a href="{{ url }}">{{ kwork.title }}</a></h3>
    <div class="kwork-card-seller">{% if seller.avatar %}<img class="avatar avatar-sm" src="{{ seller.avatar.url }}" alt="">{% else %}<span class="avatar avatar-sm" aria-hidden="true">{{ seller.initials }}</span>{% endif %}<span>{{ seller.username }}</span>{% if kwork.top_rated %}<span class="pill pill-brand" data-testid="top-rated">Top Rated</span>{% endif %}</div>
    <div class="kwork-card-meta">{% if kwork.seller_feedback_count %}<span class="kwork-rating" title="Seller's stars, out of 5">★ {{ "%.1f"|format(kwork.seller_stars) }} <span class="muted">({{ kwork.seller_feedback_count }})</span></span>{% else %}<span class="muted">New seller</span>{% endif %}<span class="muted">{{ kwork.lead_time_days }} day{{ "" if kwork.lead_time_days == 1 else "s" }}</span></div>
  </div>
  <div class="kwork-card-foot">
    {{ heart_mark }}
    <span class="kwork-price">{% if kwork.uses_packages %}<small class="muted">from</small> {% endif %}{{ money(kwork.price_cents) }}</span>
  </div>
</article>"""


def timed(function, rounds):
    values = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        values.append((time.perf_counter() - started) * 1000)
    return statistics.median(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.template.loader import get_template
    from django.test import RequestFactory

    from common.money import format_cents
    from marketplace import caching, selectors
    from marketplace.models import Category

    category = Category.objects.filter(parent__isnull=True).first()
    page = selectors.catalogue_page(
        category=category, filters=selectors.CatalogueFilters(), attributes=[], page_number=1
    )
    kworks = list(page.object_list)
    kwork_url = caching.id_url("marketplace:kwork")
    django_card = get_template(caching.CARD_TEMPLATE)

    def django_grid():
        for kwork in kworks:
            django_card.render({"kwork": kwork, "card_url": kwork_url(kwork.pk), "heart_mark": caching.HEART_MARK})

    request = RequestFactory().get(f"/category/{category.slug}/")
    request.user = get_user_model().objects.order_by("pk").first()
    caching.cards_html(kworks, request=request, favourite_ids=set())  # warm the fragments

    def fragments_grid():
        caching.cards_html(kworks, request=request, favourite_ids={kworks[0].pk})

    load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    print(f"{len(kworks)} cards of '{category.name}', median of {args.rounds} rounds, load average {load}")
    figures = [("Django card.html ×24 (cold grid)", timed(django_grid, args.rounds))]
    try:
        import jinja2
    except ImportError:
        print("jinja2 is not importable: see the docstring to measure it beside Django")
    else:
        env = jinja2.Environment(autoescape=True)
        jinja_card = env.from_string(JINJA_CARD)

        def jinja_grid():
            for kwork in kworks:
                jinja_card.render(
                    kwork=kwork,
                    seller=kwork.seller,
                    url=kwork_url(kwork.pk),
                    heart_mark=jinja2.utils.markupsafe.Markup(caching.HEART_MARK),
                    money=format_cents,
                )

        figures.append((f"Jinja2 {jinja2.__version__} port ×24 (cold grid)", timed(jinja_grid, args.rounds)))
    figures.append(("fragments, warm (cards_html, hearts in)", timed(fragments_grid, args.rounds)))
    base = figures[0][1]
    for label, ms in figures:
        print(f"  {label:<44}{ms:>8.3f} ms  ({ms / base:.2f} × Django)")
    print(f"load average at the end: {'{:.2f} {:.2f} {:.2f}'.format(*os.getloadavg())}")


if __name__ == "__main__":
    main()
