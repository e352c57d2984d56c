"""T1, T2, M3, M4: penalties (warnings, temporary and permanent blocks), the site's automatic steps on messages,
reports by users and appeals. Every write here; the back-office pages are arbitration/penalty_views.py.

Blocks: `User.blocked_until` / `User.blocked_permanently` mirror the penalties in force (recomputed on every
change), so the blocking middleware reads the block without a query. A temporary block lasts
`rules.BLOCK_BASE_DAYS`, doubled for each earlier temporary block of the person that was not lifted.

What a block does to orders: nothing is lost. The blocked person can read everything (orders, chats, the
penalty page) but every write of theirs is refused (accounts/blocking.py), except an appeal and logging out;
their orders keep running — the other party can still act, timers and escrow follow the order rules as usual."""

import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from common import dates
from common.contacts import find_contacts, find_payment_offers
from common.errors import DomainError
from common.uploads import validate_attachment

from . import rules
from .models import Appeal, Offence, Penalty, Report, User
from .roles import is_support
from .rules import NotificationKind
from .services import notification_send, staff_action_record
from .signals import account_block_changed

Kind, Rule, Status = Penalty.Kind, Penalty.Rule, Penalty.Status

# M4: words that are refused in messages (whole words, any case); a short list on purpose: rudeness beyond it is
# for people to report.
PROFANITY = frozenset(
    {"fuck", "fucking", "fucker", "shit", "bullshit", "bitch", "asshole", "bastard", "cunt", "dick"}
)
_WORD_RE = re.compile(r"[a-z]+", re.IGNORECASE)


def find_profanity(text):
    return [word for word in _WORD_RE.findall(text or "") if word.lower() in PROFANITY]


def _now(now):
    return now or timezone.now()


def _refresh_block(user, *, now=None):
    """Recompute the user's block from their penalties in force (not lifted)."""
    at = _now(now)
    in_force = Penalty.objects.filter(user=user).exclude(status=Status.LIFTED).exclude(kind=Kind.WARNING)
    permanent = in_force.filter(kind=Kind.PERMANENT).exists()
    until = max((p.ends_at for p in in_force.filter(kind=Kind.TEMPORARY, ends_at__gt=at)), default=None)
    User.objects.filter(pk=user.pk).update(blocked_permanently=permanent, blocked_until=until)
    user.blocked_permanently, user.blocked_until = permanent, until
    account_block_changed.send(sender=User, user=user)


def next_block_days(user):
    """T1: the length of the user's next temporary block: the base, doubled for each earlier one in force."""
    earlier = Penalty.objects.filter(user=user, kind=Kind.TEMPORARY).exclude(status=Status.LIFTED).count()
    return rules.BLOCK_BASE_DAYS * 2**earlier


def _describe(penalty):
    if penalty.kind == Kind.WARNING:
        return "You have received a warning"
    if penalty.kind == Kind.PERMANENT:
        return "Your account has been blocked permanently"
    return f"Your account has been blocked for {penalty.block_days} days"


def _create(*, user, kind, rule, evidence_url, reason, given_by=None, automatic=False, now=None):
    at = _now(now)
    penalty = Penalty(
        user=user,
        kind=kind,
        rule=rule,
        evidence_url=evidence_url,
        reason=reason,
        given_by=given_by,
        automatic=automatic,
        status=Status.REVIEW if automatic else Status.ACTIVE,
        created_at=at,
    )
    if kind == Kind.TEMPORARY:
        penalty.block_days = next_block_days(user)
        penalty.ends_at = at + timedelta(days=penalty.block_days)
    penalty.save()
    _refresh_block(user, now=at)
    body = f"{penalty.get_rule_display()}. {reason}"
    if penalty.is_block:
        body += " You can still read your orders and messages; you can appeal once."
    notification_send(
        user=user,
        kind=NotificationKind.ACCOUNT,
        title=_describe(penalty),
        body=body,
        url=reverse("penalties:mine"),
    )
    return penalty


def _check_evidence(url):
    url = (url or "").strip()
    if not url.startswith("/") or url.startswith("//"):
        raise DomainError(
            "Give the evidence as a link on this site (a message, Kwork or order page, starting with /).",
            field="evidence_url",
        )
    return url[:300]


def penalty_give(*, staff, user, kind, rule, evidence_url, reason, report=None, now=None):
    """T1: Support gives a warning or a block, with the rule broken, evidence and a reason. Audited; the user is
    notified and e-mailed. With `report`, the report is closed as acted on."""
    if not is_support(staff):
        raise DomainError("Only support staff can give penalties.")
    if user.pk == staff.pk:
        raise DomainError("You cannot penalise yourself.")
    if kind not in Kind.values:
        raise DomainError("Choose a warning, a temporary block or a permanent block.", field="kind")
    if rule not in Rule.values:
        raise DomainError("Choose the rule that was broken.", field="rule")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Write the reason the user will read.", field="reason")
    evidence_url = _check_evidence(evidence_url)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if report is not None:
            report = Report.objects.select_for_update().get(pk=report.pk)
            if report.status != Report.Status.OPEN:
                raise DomainError(f"Report #{report.pk} has already been handled.")
        penalty = _create(
            user=user, kind=kind, rule=rule, evidence_url=evidence_url, reason=reason, given_by=staff, now=now
        )
        if report is not None:
            report.status, report.penalty = Report.Status.ACTED, penalty
            report.handled_by, report.handled_at = staff, penalty.created_at
            report.save(update_fields=["status", "penalty", "handled_by", "handled_at"])
        staff_action_record(actor=staff, action=f"penalty.{kind}", target=penalty, reason=reason)
    return penalty


def penalty_confirm(*, penalty, staff, now=None):
    """An automatic penalty reviewed and kept."""
    if not is_support(staff):
        raise DomainError("Only support staff can review penalties.")
    with transaction.atomic():
        penalty = Penalty.objects.select_for_update().get(pk=penalty.pk)
        if penalty.status != Status.REVIEW:
            raise DomainError(f"Penalty #{penalty.pk} is not waiting for review.")
        penalty.status, penalty.reviewed_by, penalty.reviewed_at = Status.ACTIVE, staff, _now(now)
        penalty.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        staff_action_record(actor=staff, action="penalty.confirm", target=penalty)
    return penalty


def _lift(penalty, *, staff, reason, now=None):
    penalty.status, penalty.lift_reason = Status.LIFTED, reason
    penalty.reviewed_by, penalty.reviewed_at = staff, _now(now)
    penalty.save(update_fields=["status", "lift_reason", "reviewed_by", "reviewed_at"])
    user = User.objects.select_for_update().get(pk=penalty.user_id)
    _refresh_block(user, now=now)
    notification_send(
        user=user,
        kind=NotificationKind.ACCOUNT,
        title=f"{penalty.get_kind_display()} of {dates.format_date(penalty.created_at, user)} has been lifted",
        body=reason,
        url=reverse("penalties:mine"),
    )


def penalty_lift(*, penalty, staff, reason, now=None):
    """Support lifts a penalty (an automatic one after review, or any other): the block ends at once."""
    if not is_support(staff):
        raise DomainError("Only support staff can lift penalties.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Write why the penalty is lifted; the user reads it.", field="reason")
    with transaction.atomic():
        penalty = Penalty.objects.select_for_update().get(pk=penalty.pk)
        if penalty.status == Status.LIFTED:
            raise DomainError(f"Penalty #{penalty.pk} has already been lifted.")
        _lift(penalty, staff=staff, reason=reason, now=now)
        staff_action_record(actor=staff, action="penalty.lift", target=penalty, reason=reason)
    return penalty


# --- the site's automatic steps (M3, M4, T2) -------------------------------------------------------------------

_REFUSALS = {
    Rule.PAYMENT_OUTSIDE: "Your message offers payment outside the site (“{0}”). All payments go through the site.",
    Rule.CONTACTS: "Your message contains contact details (“{0}”). Phone numbers, e-mail addresses, messenger "
    "handles and outside links are not allowed: all contact goes through the site.",
    Rule.PROFANITY: "Your message contains offensive language (“{0}”). Please keep it polite.",
}


def _auto(*, user, rule, evidence_url, reason, now=None):
    """A first offence of `rule` is a warning; a repeat (an earlier penalty for it not lifted) is a temporary
    block, doubling as T1 says. The penalty waits in the review queue."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        repeat = Penalty.objects.filter(user=user, rule=rule).exclude(status=Status.LIFTED).exists()
        return _create(
            user=user,
            kind=Kind.TEMPORARY if repeat else Kind.WARNING,
            rule=rule,
            evidence_url=evidence_url,
            reason=reason,
            automatic=True,
            now=now,
        )


def _screen(*, author, rule, fragment, evidence_url, now=None):
    """Record the refused message; return the penalty it earns, or None (early contact-detail refusals)."""
    at = _now(now)
    refusal = _REFUSALS[rule].format(fragment)
    with transaction.atomic():
        Offence.objects.create(
            user=author, rule=rule, evidence_url=evidence_url[:300], fragment=fragment[:200], created_at=at
        )
        if rule == Rule.CONTACTS:
            since = at - timedelta(days=rules.OFFENCE_WINDOW_DAYS)
            refused = Offence.objects.filter(user=author, rule=rule, created_at__gt=since).count()
            if refused <= rules.CONTACT_REFUSALS_BEFORE_WARNING:
                return refusal, None
        return refusal, _auto(user=author, rule=rule, evidence_url=evidence_url, reason=refusal, now=at)


def auto_penalty_for_message(*, author, text, contacts_allowed=False, evidence_url="", spam=False, now=None):
    """M3, M4, T2: screen a message before it is sent. A message offering payment outside the site, with contact
    details (where they are not allowed) or with profanity is refused with a DomainError; the author gets a
    warning the first time (contact details: after `rules.CONTACT_REFUSALS_BEFORE_WARNING` refusals) and a block
    on a repeat. With `spam=True` (Support marked the message as spam) the penalty is given and returned, nothing
    is raised. Call it outside the sending transaction: the penalty commits although the message is refused."""
    if spam:
        return _auto(
            user=author,
            rule=Rule.SPAM,
            evidence_url=evidence_url,
            reason="A message of yours was marked as spam or unauthorised advertising.",
            now=now,
        )
    checks = [(Rule.PAYMENT_OUTSIDE, find_payment_offers(text)), (Rule.PROFANITY, find_profanity(text))]
    if not contacts_allowed:
        checks.insert(1, (Rule.CONTACTS, find_contacts(text)))
    for rule, found in checks:
        if found:
            refusal, penalty = _screen(
                author=author, rule=rule, fragment=found[0], evidence_url=evidence_url, now=now
            )
            if penalty is None:
                raise DomainError(refusal, field="text")
            if penalty.is_block:
                step = f"as this has happened before, your account is blocked for {penalty.block_days} days."
            else:
                step = "this is a warning: a repeat leads to a block."
            raise DomainError(f"{refusal} The message was not sent; {step}", field="text")
    return None


# --- reports -----------------------------------------------------------------------------------------------------


def report_create(*, reporter, target_kind, target_id, target_user, target_url, target_label, reason):
    """Any user reports a message, a Kwork or a profile; it goes to Support's queue."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Tell us what is wrong.", field="reason")
    if len(reason) > rules.REPORT_REASON_MAX_LENGTH:
        raise DomainError(f"At most {rules.REPORT_REASON_MAX_LENGTH:,} characters, please.", field="reason")
    if target_user.pk == reporter.pk:
        raise DomainError("You cannot report yourself.")
    duplicate = "You have already reported this; support will look at it soon."
    if Report.objects.filter(
        reporter=reporter, target_kind=target_kind, target_id=target_id, status=Report.Status.OPEN
    ).exists():
        raise DomainError(duplicate)
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter,
                target_kind=target_kind,
                target_id=target_id,
                target_user=target_user,
                target_url=target_url[:300],
                target_label=target_label[:200],
                reason=reason,
            )
    except IntegrityError as exc:
        raise DomainError(duplicate) from exc


def report_dismiss(*, report, staff, now=None):
    if not is_support(staff):
        raise DomainError("Only support staff can handle reports.")
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status != Report.Status.OPEN:
            raise DomainError(f"Report #{report.pk} has already been handled.")
        report.status, report.handled_by, report.handled_at = Report.Status.DISMISSED, staff, _now(now)
        report.save(update_fields=["status", "handled_by", "handled_at"])
        staff_action_record(actor=staff, action="report.dismiss", target=report)
    return report


# --- appeals (T1) ------------------------------------------------------------------------------------------------

SECOND_APPEAL = "You have already appealed this penalty; each penalty can be appealed once."


def appeal_create(*, user, penalty, text, file=None):
    """T1: one appeal per penalty, by the penalised person, with text and an optional file (C6)."""
    text = (text or "").strip()
    if penalty.user_id != user.pk:
        raise DomainError("You can appeal only your own penalties.")
    if not text:
        raise DomainError("Explain why the penalty should be lifted.", field="text")
    if len(text) > rules.APPEAL_TEXT_MAX_LENGTH:
        raise DomainError(f"At most {rules.APPEAL_TEXT_MAX_LENGTH:,} characters, please.", field="text")
    if file:
        try:
            validate_attachment(file)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), field="file") from exc
    try:
        with transaction.atomic():
            penalty = Penalty.objects.select_for_update().get(pk=penalty.pk)
            if penalty.status == Status.LIFTED:
                raise DomainError("This penalty has already been lifted.")
            if Appeal.objects.filter(penalty=penalty).exists():
                raise DomainError(SECOND_APPEAL)
            return Appeal.objects.create(
                penalty=penalty, text=text, file=file or "", file_name=(file.name[:200] if file else "")
            )
    except IntegrityError as exc:
        raise DomainError(SECOND_APPEAL) from exc


def appeal_decide(*, appeal, staff, grant, reason, now=None):
    """T1: Support grants (the penalty is lifted) or rejects an appeal, with a reason; never the staff member who
    gave the penalty (an automatic penalty: any staff)."""
    if not is_support(staff):
        raise DomainError("Only support staff can decide appeals.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Write the reason for the decision; the user reads it.", field="reason")
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        penalty = Penalty.objects.select_for_update().get(pk=appeal.penalty_id)
        if penalty.given_by_id == staff.pk:
            raise DomainError("You gave this penalty: another member of staff must decide its appeal.")
        if appeal.status != Appeal.Status.PENDING:
            raise DomainError(f"Appeal #{appeal.pk} has already been decided.")
        at = _now(now)
        appeal.status = Appeal.Status.GRANTED if grant else Appeal.Status.REJECTED
        appeal.decided_by, appeal.decided_at, appeal.decision_reason = staff, at, reason
        appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        if grant and penalty.status != Status.LIFTED:
            _lift(penalty, staff=staff, reason=f"Appeal granted: {reason}", now=at)
        elif not grant:
            if penalty.status == Status.REVIEW:
                penalty.status, penalty.reviewed_by, penalty.reviewed_at = Status.ACTIVE, staff, at
                penalty.save(update_fields=["status", "reviewed_by", "reviewed_at"])
            notification_send(
                user=penalty.user,
                kind=NotificationKind.ACCOUNT,
                title="Your appeal was rejected",
                body=reason,
                url=reverse("penalties:mine"),
            )
        staff_action_record(
            actor=staff, action="appeal.grant" if grant else "appeal.reject", target=appeal, reason=reason
        )
    return appeal


# --- reads for the pages -----------------------------------------------------------------------------------------


def penalties_for_review(*, status):
    return Penalty.objects.filter(status=status).select_related("user", "given_by", "reviewed_by", "appeal")


def reports_for_review(*, status):
    return Report.objects.filter(status=status).select_related("reporter", "target_user", "handled_by")


def appeals_for_review(*, status):
    return Appeal.objects.filter(status=status).select_related("penalty__user", "penalty__given_by", "decided_by")


def penalties_of(user):
    return list(Penalty.objects.filter(user=user).select_related("appeal"))


def waiting_counts():
    """The back office's cards: automatic penalties to review, open reports, waiting appeals."""
    return {
        "penalties": Penalty.objects.filter(status=Status.REVIEW).count(),
        "reports": Report.objects.filter(status=Report.Status.OPEN).count(),
        "appeals": Appeal.objects.filter(status=Appeal.Status.PENDING).count(),
    }
