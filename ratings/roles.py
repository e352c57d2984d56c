"""T6: what the ratings models give each role. Moderators work in the Django admin: responses (R2), feedback
removal with a reason (R1) and boosting suspicions (R12). Support reads the figures for its cases."""

ROLE_PERMISSIONS = {
    "Moderators": [
        "ratings.view_feedback",
        "ratings.change_feedback",
        "ratings.view_feedbackresponse",
        "ratings.change_feedbackresponse",
        "ratings.view_feedbackremoval",
        "ratings.view_boostingflag",
        "ratings.change_boostingflag",
    ],
    "Support": [
        "ratings.view_feedback",
        "ratings.view_feedbackremoval",
        "ratings.view_sellerstats",
        "ratings.view_buyerstats",
    ],
}
