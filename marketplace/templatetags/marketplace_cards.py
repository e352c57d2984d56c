from django import template

from marketplace import caching, rules, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def kwork_cards(context, kworks):
    """A grid's cards from the fragment cache (marketplace/caching.py); hearts from the page's `favourite_ids`,
    or left as markers when `hearts_deferred` (cached grids: the view puts them in per person)."""
    return caching.cards_html(
        kworks,
        request=context.get("request"),
        favourite_ids=context.get("favourite_ids") or frozenset(),
        hearts_deferred=bool(context.get("hearts_deferred")),
    )


@register.inclusion_tag("marketplace/partials/seller_kworks.html", takes_context=True)
def seller_kworks(context, person):
    """A9: the seller's Kworks on sale on their public page, as catalogue cards (fragments, hearts per person)."""
    kworks = selectors.seller_kworks(seller=person)
    shown = kworks[: rules.SELLER_PAGE_KWORKS]
    request = context.get("request")
    return {
        "person": person,
        # favourite_ids None: the person's favourites among these Kworks are looked up (one query).
        "cards": caching.cards_html(shown, request=request, favourite_ids=None) if shown else "",
        "more": len(kworks) > len(shown),
        "request": request,
    }
