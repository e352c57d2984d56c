from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("balance/", views.balance, name="balance"),
    path("balance/statement.csv", views.statement_csv, name="statement_csv"),
    path("balance/statement/file/", views.statement_export, name="statement_export"),
    path(
        "balance/statement/file/<str:token>.csv", views.statement_export_download, name="statement_export_download"
    ),
    path("balance/add/", views.topup, name="topup"),
    path("balance/add/test/", views.topup_test, name="topup_test"),
    path("balance/add/<int:pk>/return/", views.topup_return, name="topup_return"),
    path("balance/promo/", views.promo_redeem, name="promo_redeem"),
    path("balance/withdraw/", views.withdraw, name="withdraw"),
    path("balance/withdraw/quote/", views.withdraw_quote, name="withdraw_quote"),
    path("balance/payout-card/", views.payout_details, name="payout_details"),
    path("payments/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("referrals/", views.referrals, name="referrals"),
    path("r/<str:username>/", views.referral_link, name="referral_link"),
    path("backoffice/withdrawals/", views.backoffice_withdrawals, name="backoffice_withdrawals"),
    path(
        "backoffice/withdrawals/<int:pk>/", views.backoffice_withdrawal_decide, name="backoffice_withdrawal_decide"
    ),
    path("backoffice/withdrawals/batches/<int:pk>.csv", views.backoffice_batch_csv, name="backoffice_batch_csv"),
]
