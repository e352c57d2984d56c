"""P4: the payout-provider interface. A provider receives each batch of approved withdrawals inside the
transaction that marks them paid; raising rolls the whole batch back (nothing is marked paid).

The built-in provider only records the batch: support staff download its CSV from /backoffice/withdrawals/
and pay the cards through the bank. Another provider (a card-payout API) is a class with the same method,
named in settings.PAYMENTS_PAYOUT_PROVIDER."""

from django.conf import settings
from django.utils.module_loading import import_string


class PayoutProvider:
    name = "base"

    def send(self, *, batch, withdrawals):
        raise NotImplementedError


class CsvPayoutProvider(PayoutProvider):
    """Records the batch; the CSV (payments.selectors.payout_batch_csv_rows) is the payment order."""

    name = "csv"

    def send(self, *, batch, withdrawals):
        return None


def get_provider():
    path = getattr(settings, "PAYMENTS_PAYOUT_PROVIDER", "payments.payouts.CsvPayoutProvider")
    return import_string(path)()
