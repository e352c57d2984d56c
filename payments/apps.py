from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from allauth.account.signals import user_signed_up

        from . import receivers

        user_signed_up.connect(receivers.attach_referral, dispatch_uid="payments_attach_referral")
