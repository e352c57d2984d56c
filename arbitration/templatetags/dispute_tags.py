"""O12 on the order page: `{% order_dispute %}` draws "Help with this order → Arbitration" while a dispute may be
opened, then the dispute itself (statements, proposals, answer, outcome). Its queries do not grow with the case."""

from django import template
from django.utils import timezone

from orders.models import Order

from .. import dispute_selectors, disputes
from ..dispute_views import AnswerForm, ProposeForm
from ..models import Side

register = template.Library()


@register.inclusion_tag("orders/partials/dispute.html", takes_context=True)
def order_dispute(context):
    order, role = context["order"], context.get("role")
    party = role in (Side.BUYER, Side.SELLER)
    dispute = None
    if order.arbitration_opened_at is not None:
        dispute = dispute_selectors.dispute_for_order(order)
    can_open = party and dispute is None and order.status in (Order.Status.IN_PROGRESS, Order.Status.DELIVERED)
    statements = list(dispute.statements.all()) if dispute else []
    proposals = {p.side: p for p in dispute.proposals.all()} if dispute else {}
    can_answer = (
        dispute is not None
        and party
        and dispute.is_open
        and role != dispute.opener_side
        and all(s.side != role for s in statements)
        and timezone.now() <= dispute.answer_by
    )
    return {
        "order": order,
        "role": role,
        "party": party,
        "dispute": dispute,
        "can_open": can_open,
        "can_answer": can_answer,
        "statements": statements,
        "my_proposal": proposals.get(role),
        "their_proposal": proposals.get(Side.SELLER if role == Side.BUYER else Side.BUYER),
        "outcome_text": disputes.describe(refund_cents=dispute.refund_cents, total_cents=order.total_cents)
        if dispute is not None and dispute.refund_cents is not None
        else "",
        "answer_form": AnswerForm() if can_answer else None,
        "propose_form": ProposeForm() if dispute is not None and dispute.is_open and party else None,
        "csrf_token": context.get("csrf_token"),
    }
