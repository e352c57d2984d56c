"""The beat schedule is gathered from each app's `schedule.py` (a BEAT_SCHEDULE dict), so every timed job
stays next to the code it runs and appears here once."""

from importlib import import_module
from importlib.util import find_spec

APPS_WITH_TIMERS = ["accounts", "payments", "marketplace", "orders", "ratings", "arbitration"]


def build_schedule():
    schedule = {}
    for app in APPS_WITH_TIMERS:
        if find_spec(f"{app}.schedule") is not None:
            schedule.update(import_module(f"{app}.schedule").BEAT_SCHEDULE)
    return schedule
