"""Signals other apps listen to (orders knows nothing of them: ratings connects its receiver in its ready()).

`order_finished` is sent with `order_ids` (a list) whenever orders reach an end that moves a seller's figures:
completion (by the buyer, automatically, by an arbitration decision) and cancellation (any reason, single or in
a sweep batch). `order_started` is sent with `order_ids` when the seller starts work (the time to start is a
seller's figure too). Both are sent inside the service's transaction; a receiver that does work should do it on
commit."""

from django.dispatch import Signal

order_finished = Signal()
order_started = Signal()
