"""Celery tasks of buyer requests: the Q1 expiry sweep and the Q2 digests, each calling one service. Idempotent
(a due row is taken under SKIP LOCKED and is no longer due once handled)."""

from celery import shared_task

from common.sweeps import run_sweep

from . import services


@shared_task
def requests_expire():
    return run_sweep("requests_expire", services.requests_expire)


@shared_task
def request_digests_send():
    return run_sweep("request_digests_send", services.request_digests_send)


@shared_task
def request_alerts_purge():
    return run_sweep("request_alerts_purge", services.request_alerts_purge)
