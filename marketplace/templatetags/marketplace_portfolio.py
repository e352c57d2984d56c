"""C14: the portfolio gallery on the Kwork page and the seller's profile, one tag line each (one query)."""

from django import template

from ..portfolio_selectors import portfolio_for_kwork, portfolio_for_seller

register = template.Library()


@register.inclusion_tag("marketplace/partials/portfolio.html")
def kwork_portfolio(kwork):
    return {"portfolio_items": portfolio_for_kwork(kwork=kwork), "portfolio_heading": "Portfolio"}


@register.inclusion_tag("marketplace/partials/portfolio.html")
def seller_portfolio(seller):
    return {
        "portfolio_items": portfolio_for_seller(seller=seller),
        "portfolio_heading": "Portfolio",
        "show_kwork": True,
    }
