"""The offer expiry sweep (C15), run by beat (schedule.py). Idempotent: an offer already marked is no longer due."""

from celery import shared_task

from common.sweeps import run_sweep

from . import services


@shared_task
def offers_expire():
    return run_sweep("offers_expire", services.offers_expire)
