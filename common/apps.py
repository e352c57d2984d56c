from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"

    def ready(self):
        from . import storage  # noqa: F401  (registers the private-folder check)
        from .files import connect_file_cleanup

        connect_file_cleanup()  # deleting a row deletes its files (DESIGN: Files)
