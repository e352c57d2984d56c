from django.apps import AppConfig


class ArbitrationConfig(AppConfig):
    name = "arbitration"
