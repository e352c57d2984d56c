"""The back office's cards for the penalty queues (templates/arbitration/penalties/cards.html)."""

from django import template

from accounts import penalties

register = template.Library()


@register.simple_tag
def penalty_queue_counts():
    return penalties.waiting_counts()
