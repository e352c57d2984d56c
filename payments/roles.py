"""T6: what the payments models give each role. Support reviews withdrawals in /backoffice/withdrawals/."""

ROLE_PERMISSIONS = {
    "Support": [
        "payments.view_withdrawal",
        "payments.change_withdrawal",
        "payments.view_payoutbatch",
        "payments.view_payoutdetails",
        "payments.view_topup",
        "payments.view_escrowhold",
    ],
}
