"""Demo data of the penalty queues (T1, T2, M3): a report and an automatic warning waiting for Support, and a
warning with a pending appeal (given by sam, so another member of staff, ada, decides it). Nobody is blocked, so
every demo login still acts. Safe to run again."""

from contextlib import suppress

from django.db import transaction

from accounts import penalties
from accounts.models import Penalty, Report, User
from common.errors import DomainError
from marketplace.models import Kwork

AUTOMATIC_TEXT = "Let's make it cheaper: pay me directly by PayPal and we skip the fee."


def seed(log):
    people = {u.username: u for u in User.objects.filter(username__in=["bella", "sergio", "nina", "sam"])}
    if len(people) < 4 or Penalty.objects.filter(user__in=people.values()).exists():
        return
    bella, sergio, nina, sam = (people[name] for name in ("bella", "sergio", "nina", "sam"))
    kwork = Kwork.objects.filter(seller=nina).order_by("pk").first()
    with transaction.atomic():
        with suppress(DomainError):  # M3: the site's own step (the message refused), a warning waiting for review
            penalties.auto_penalty_for_message(
                author=sergio, text=AUTOMATIC_TEXT, evidence_url=sergio.get_absolute_url()
            )
        if kwork is not None:
            Report.objects.filter(reporter=bella, target_kind=Report.Target.KWORK, target_id=kwork.pk).delete()
            penalties.report_create(
                reporter=bella,
                target_kind=Report.Target.KWORK,
                target_id=kwork.pk,
                target_user=nina,
                target_url=kwork.get_absolute_url(),
                target_label=f"Kwork “{kwork.title}”"[:200],
                reason="The description asks buyers to write to an outside messenger before ordering.",
            )
        warning = penalties.penalty_give(
            staff=sam,
            user=nina,
            kind=Penalty.Kind.WARNING,
            rule=Penalty.Rule.PROFANITY,
            evidence_url=nina.get_absolute_url(),
            reason="An answer to a buyer was rude. Please keep to polite language.",
        )
        penalties.appeal_create(
            user=nina,
            penalty=warning,
            text="I was quoting the buyer's own words back to them; the chat shows the whole exchange.",
        )
    log("penalties: an automatic warning and a report waiting for review, an appeal waiting for a decision")
