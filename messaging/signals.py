"""What the messaging app tells others without knowing them (ratings listens: R10's response figures)."""

from django.dispatch import Signal

# A seller's first-response record changed: answered, or its 24-hour deadline passed unanswered.
# Sent with `seller_ids`, inside the transaction that changed it.
seller_responses_changed = Signal()
