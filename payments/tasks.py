"""Celery tasks of the payments app: take ids or nothing, call one service, safe to run twice."""

from celery import shared_task

from . import services


@shared_task
def payout_batch_run():
    """P4: pay approved withdrawals (the service itself checks it is Monday, Wednesday or Friday)."""
    batch = services.payout_batch_run()
    return batch.pk if batch else None


@shared_task
def statement_export_build(user_id, token):
    """P9: write a person's statement to a CSV file in private storage (payments.exports)."""
    from . import exports

    return exports.build(user_id=user_id, token=token)
