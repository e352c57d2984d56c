from django.apps import AppConfig


class BuyerRequestsConfig(AppConfig):
    name = "buyer_requests"
    verbose_name = "Buyer requests"
