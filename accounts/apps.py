from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import receivers, roles  # noqa: F401  (connects allauth signal receivers)

        post_migrate.connect(roles.sync_role_permissions, dispatch_uid="accounts.sync_role_permissions")
