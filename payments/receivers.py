"""Signal receivers of the payments app (connected in apps.py)."""

from . import rules, services


def attach_referral(sender, request, user, **kwargs):
    """P7: the partner link (/r/<login>/) left the partner's id in the session; attach at sign-up."""
    if request is None or not hasattr(request, "session"):
        return
    partner_id = request.session.pop(rules.REFERRAL_SESSION_KEY, None)
    services.referral_attach(user=user, partner_id=partner_id)
