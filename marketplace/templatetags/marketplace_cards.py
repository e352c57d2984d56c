from django import template

from marketplace import caching

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
