"""P9 (and P2, P3, P4, P8): a Hypothesis state machine drives random top-ups, promo codes, holds, releases,
refunds, splits, withdrawals and payout decisions, and after every step checks the ledger invariants (the same
function `manage.py ledger_check` uses) and every user's balance against a simple model."""

import pytest
from django.db import transaction
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test

from common.errors import DomainError
from payments import rules, services
from payments.invariants import ledger_problems
from payments.models import EscrowHold, LedgerAccount, PayoutDetails, PromoCode, Withdrawal
from tests.factories import UserFactory, verified
from tests.support import fund, machine_settings

PEOPLE = 3
amounts = st.integers(min_value=1, max_value=5000)


class LedgerMachine(RuleBasedStateMachine):
    holds = Bundle("holds")
    withdrawals = Bundle("withdrawals")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # each example runs in a savepoint rolled back in teardown()
        self.users = self.people  # made once by the test; everything an example writes is rolled back
        self.main = [0] * PEOPLE
        self.bonus = [0] * PEOPLE
        self.hold_state = {}
        self.counter = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _next(self):
        self.counter += 1
        return self.counter

    @rule(who=st.integers(0, PEOPLE - 1), cents=amounts)
    def top_up(self, who, cents):
        fund(self.users[who], cents)
        self.main[who] += cents

    @rule(who=st.integers(0, PEOPLE - 1), cents=st.integers(1, 2000))
    def redeem_promo(self, who, cents):
        code = PromoCode.objects.create(code=f"HYPO{self._next()}", amount_cents=cents)
        services.promo_redeem(user=self.users[who], code=code.code)
        self.bonus[who] += cents

    @rule(target=holds, who=st.integers(0, PEOPLE - 1), cents=st.integers(-10, 6000))
    def hold(self, who, cents):
        n = self._next()
        available = self.main[who] + self.bonus[who]
        try:
            hold = services.escrow_hold(
                buyer=self.users[who], amount_cents=cents, reference=f"order:{n}", idempotency_key=f"k{n}"
            )
        except services.InsufficientFunds as exc:
            assert cents > available and exc.missing_cents == cents - available
            return None
        except DomainError:
            assert cents <= 0
            return None
        bonus_part = min(self.bonus[who], cents)
        assert (hold.bonus_cents, hold.main_cents) == (bonus_part, cents - bonus_part)
        self.bonus[who] -= bonus_part
        self.main[who] -= cents - bonus_part
        self.hold_state[hold.pk] = (who, hold.amount_cents, hold.main_cents, hold.bonus_cents, None)
        return hold.pk

    def _resolve(self, pk, kind, operation, seller_idx=None, refund=None):
        """Apply a resolution to the model. A retry of the same resolution is a no-op returning the same
        transaction; anything else on a resolved hold (or paying the buyer as seller) is a DomainError."""
        if pk is None:
            return
        who, amount, main_part, bonus_part, done = self.hold_state[pk]
        hold = EscrowHold.objects.get(pk=pk)
        seller = self.users[seller_idx] if seller_idx is not None else None
        refund = amount if refund is None else refund
        signature = (kind, seller_idx, refund)
        if done is not None and done[0] == signature:
            assert operation(hold, seller) == done[1]
            return
        if done is not None or seller_idx == who:
            with pytest.raises(DomainError):
                operation(hold, seller)
            return
        tx = operation(hold, seller)
        bonus_back = min(refund, bonus_part)
        self.bonus[who] += bonus_back
        self.main[who] += refund - bonus_back
        if seller_idx is not None:
            self.main[seller_idx] += rules.seller_share_cents(amount - refund)
        self.hold_state[pk] = (who, amount, main_part, bonus_part, (signature, tx))

    @rule(pk=holds, seller=st.integers(0, PEOPLE - 1))
    def release(self, pk, seller):
        self._resolve(pk, "release", lambda h, s: services.escrow_release(hold=h, seller=s), seller, refund=0)

    @rule(pk=holds)
    def refund(self, pk):
        self._resolve(pk, "refund", lambda h, s: services.escrow_refund(hold=h))

    @rule(pk=holds, seller=st.integers(0, PEOPLE - 1), share=st.sampled_from([0, 0.25, 0.5, 0.999, 1]))
    def split(self, pk, seller, share):
        if pk is None:
            return
        refund = int(self.hold_state[pk][1] * share)
        self._resolve(
            pk,
            "split",
            lambda h, s: services.escrow_split(hold=h, seller=s, refund_cents=refund),
            seller,
            refund=refund,
        )

    @rule(target=withdrawals, who=st.integers(0, PEOPLE - 1), cents=st.integers(-5, 6000))
    def withdraw(self, who, cents):
        try:
            w = services.withdrawal_request(user=self.users[who], amount_cents=cents)
        except DomainError:
            assert cents <= 0 or cents < rules.withdrawal_min_cents() or cents > self.main[who]
            return None
        assert rules.withdrawal_min_cents() <= cents <= self.main[who]
        self.main[who] -= cents
        return (w.pk, who)

    @rule(item=consumes(withdrawals))
    def reject_withdrawal(self, item):
        if item is None:
            return
        pk, who = item
        w = Withdrawal.objects.get(pk=pk)
        services.withdrawal_reject(withdrawal=w, staff_user=None, reason="checking")
        self.main[who] += w.amount_cents

    @rule(item=consumes(withdrawals))
    def pay_withdrawal(self, item):
        if item is None:
            return
        w = Withdrawal.objects.get(pk=item[0])
        services.withdrawal_approve(withdrawal=w, staff_user=None)
        services.payout_batch_run(force=True)
        w.refresh_from_db()
        assert w.status == Withdrawal.Status.PAID

    @invariant()
    def ledger_is_consistent_and_balances_match_the_model(self):
        assert ledger_problems() == []
        found = {
            (owner, kind): cents
            for owner, kind, cents in LedgerAccount.objects.filter(owner__in=self.users).values_list(
                "owner_id", "kind", "balance_cents"
            )
        }
        for i, user in enumerate(self.users):
            main = found.get((user.pk, LedgerAccount.Kind.USER_MAIN), 0)
            bonus = found.get((user.pk, LedgerAccount.Kind.USER_BONUS), 0)
            assert (main, bonus) == (self.main[i], self.bonus[i])


@pytest.mark.django_db
@pytest.mark.slow
@pytest.mark.timeout(1200)  # minutes in CI on a busy machine; 300 s is a deadlock guard for the others
def test_p9_random_operations_keep_every_ledger_invariant():
    LedgerMachine.people = [verified(UserFactory()) for _ in range(PEOPLE)]
    for user in LedgerMachine.people:
        PayoutDetails.objects.create(user=user, holder_name="Pat", card_last4="1234")
    # CI runs 200 examples; locally HYPOTHESIS_PROFILE=ci does the same, HYPOTHESIS_PROFILE=long more.
    run_state_machine_as_test(LedgerMachine, settings=machine_settings(examples=200, steps=10, database=None))
