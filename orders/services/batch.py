"""The machinery of the timer sweeps, apart from what they do to an order: find due rows by an indexed range
scan, lock them with `FOR UPDATE SKIP LOCKED` (two workers never act on the same row), settle a batch in one
short transaction with bulk writes, fall back to one row per transaction when a batch fails, and commit without
waiting for the WAL flush. `sweeps.py` says what each sweep does; this module how they run."""

import logging
import threading
from contextlib import contextmanager

from django.db import transaction

from accounts import services as account_services

from ..lock_objects import orders_for_update
from ..models import CancellationRequest, Order

logger = logging.getLogger("orders.services")

_batch = threading.local()


@contextmanager
def notifications_batched():
    """Inside a sweep batch, notifications are collected and written with one INSERT at the end."""
    _batch.items = []
    try:
        yield
        if _batch.items:
            account_services.notifications_send_many(notifications=_batch.items)
    finally:
        _batch.items = None


def notification_collect(item):
    """Keep `item` for the batch's one INSERT; False when no batch is open (the caller sends it itself)."""
    items = getattr(_batch, "items", None)
    if items is None:
        return False
    items.append(item)
    return True


def persist_batch(orders, fields, *, from_states):
    """Write a batch's transition with ONE UPDATE: every order of a sweep batch gets the same new values (the
    transitions already ran in memory, so django-fsm checked each source state). The UPDATE is filtered by the
    source states too, and must touch every row: the orders are locked, so anything else is a bug."""
    first = orders[0]
    values = {name: getattr(first, name) for name in fields}
    if any(getattr(o, name) != values[name] for o in orders for name in fields):
        raise RuntimeError("sweep batch: the orders of one batch must get the same values")
    written = Order.objects.filter(pk__in=[o.pk for o in orders], status__in=from_states).update(**values)
    if written != len(orders):
        raise RuntimeError(f"sweep batch: {written} of {len(orders)} orders written")


@contextmanager
def relaxed_commit():
    """A sweep's transactions need not wait for their WAL flush (PostgreSQL `synchronous_commit = off` for the
    sweep's session, restored after): should the server crash in the following fraction of a second, an
    order's change and its ledger movement are lost together — never one without the other — and the next sweep
    does it again, since the order is still due. Any later synchronous commit flushes them first, so nothing
    that depends on them can survive without them. Not used inside an outer transaction (tests)."""
    connection = transaction.get_connection()
    relax = connection.vendor == "postgresql" and not connection.in_atomic_block
    if relax:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if relax and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


def _lock_due(model, pk, due):
    """Lock a due row without waiting (None when another worker holds it or it is no longer due). For a
    cancellation request the order is locked first, as in every other service."""
    if model is Order:
        return orders_for_update(skip_locked=True).filter(due, pk=pk).first()
    order_id = CancellationRequest.objects.filter(pk=pk).values_list("order_id", flat=True).first()
    if order_id is None:
        return None
    order = orders_for_update(skip_locked=True).filter(pk=order_id).first()
    if order is None:
        return None
    request = CancellationRequest.objects.select_for_update().filter(due, pk=pk).first()
    if request is not None:
        request.order = order
    return request


def handle_one(model, pk, due, handle):
    """One due row in its own transaction. False when it is not ours to handle now (locked by another sweep,
    no longer due) or when handling it failed: the failure is logged, its transaction rolled back, and the row
    stays due for the next run — one bad row never stops the sweep."""
    try:
        with transaction.atomic():
            row = _lock_due(model, pk, due)
            if row is None:
                return False
            handle(row)
            return True
    except Exception:
        logger.exception("orders sweep: %s %s could not be handled; left for the next run", model.__name__, pk)
        return False


def sweep_rows(*, model, due, order_by, handle, batch_size):
    """Find due rows by an indexed range scan, batch by batch; take each in its own short transaction with
    FOR UPDATE SKIP LOCKED, re-checking `due` under the lock (a row someone else holds or already handled is
    skipped). Returns the number handled. Idempotent: run it again and it does nothing more."""
    with relaxed_commit():
        handled = 0
        skipped = set()
        while True:
            candidates = model.objects.filter(due)
            if skipped:
                candidates = candidates.exclude(pk__in=skipped)
            ids = list(candidates.order_by(order_by, "pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return handled
            for pk in ids:
                if handle_one(model, pk, due, handle):
                    handled += 1
                else:
                    skipped.add(pk)


def sweep_orders(*, due, order_by, batch_size, apply_batch, handle_one_order):
    """The order sweeps (O3, O5, O6, O8): lock a batch of due orders in ONE query (`FOR UPDATE OF orders_order
    SKIP LOCKED … ORDER BY deadline, id LIMIT batch_size`, an index-only range scan), settle the whole batch in
    one short transaction with bulk writes (payments' batch escrow API: one ledger posting round per batch),
    commit, repeat. Orders another sweep holds are skipped, so two sweeps never act on the same order; a handled
    order is no longer due, so running again does nothing twice. If a batch fails it is rolled back whole and
    its orders are retried one by one (`handle_one_order`, each in its own transaction): a bad row is logged and
    left for the next run, the others proceed."""
    handled = 0
    failed = set()
    with relaxed_commit():
        while True:
            batch = []
            try:
                with transaction.atomic():
                    qs = orders_for_update(skip_locked=True).filter(due)
                    if failed:
                        qs = qs.exclude(pk__in=failed)
                    batch = list(qs.order_by(order_by, "pk")[:batch_size])
                    if not batch:
                        return handled
                    with notifications_batched():
                        apply_batch(batch)
                handled += len(batch)
            except Exception:
                if not batch:
                    raise
                logger.exception("orders sweep: a batch of %d failed; retrying its orders one by one", len(batch))
                for order in batch:
                    if handle_one(Order, order.pk, due, handle_one_order):
                        handled += 1
                    else:
                        failed.add(order.pk)
