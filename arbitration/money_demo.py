"""Demo data of the money and account queues of the back office: sergio's withdrawal waiting for Support (his
payout card saved ten days ago, so the week's lock is over), nina's payout card changed today (her withdrawals
are locked for a week: she sees why and until when), and quentin's request to delete his account. Runs after
the orders and ratings demos, which earned the sellers their money. Safe to run again."""

from datetime import timedelta

from django.utils import timezone

from accounts import services as account_services
from accounts.models import DeletionRequest, User
from accounts.rules import SENSITIVE_CHANGE_LOCK_DAYS
from payments import services as payment_services
from payments.demo import backdate_payout_details
from payments.models import PayoutDetails, Withdrawal
from payments.selectors import balance_of

WITHDRAWAL_CENTS = 6_000


def seed(log):
    people = {u.username: u for u in User.objects.filter(username__in=["sergio", "nina", "quentin"])}
    sergio, nina, quentin = (people.get(name) for name in ("sergio", "nina", "quentin"))
    now = timezone.now()
    waiting = sergio and Withdrawal.objects.filter(user=sergio).exists()
    if sergio and not waiting and balance_of(sergio).withdrawable_cents >= WITHDRAWAL_CENTS:
        if not PayoutDetails.objects.filter(user=sergio).exists():
            details = payment_services.payout_details_save(
                user=sergio, holder_name="Sergio Santos", card_last4="5100"
            )
            backdate_payout_details(details, now - timedelta(days=SENSITIVE_CHANGE_LOCK_DAYS + 3))
        payment_services.withdrawal_request(user=sergio, amount_cents=WITHDRAWAL_CENTS)
        log("Withdrawals: sergio's payout of $60.00 is waiting for Support.")
    if nina and not PayoutDetails.objects.filter(user=nina).exists():
        payment_services.payout_details_save(user=nina, holder_name="Nina Novak", card_last4="7311")
        log("Withdrawals: nina changed her payout card today; her withdrawals are locked for a week.")
    if quentin and not DeletionRequest.objects.filter(user=quentin).exists():
        account_services.deletion_request_create(
            user=quentin, reason="I only needed one logo and will not use the site again."
        )
        log("Account deletions: quentin's request is waiting for Support.")
