class DomainError(Exception):
    """A refusal by a service. Its message is written for the user and shown as is."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self):
        return self.message
