"""Signals other apps listen to, so accounts never imports them."""

from django.dispatch import Signal

# T1: a user's block started, ended early or changed (kwargs: user). The marketplace hides a blocked seller's
# Kworks; a temporary block that simply runs out is picked up by the marketplace's sweep.
account_block_changed = Signal()
