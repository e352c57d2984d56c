"""The M2 timers, every minute. Gathered by config/celery.py."""

from celery.schedules import crontab

SWEEP_EXPIRES_SECONDS = 55  # a sweep still queued when the next one is due is dropped, not piled up

BEAT_SCHEDULE = {
    f"messaging-{name.replace('_', '-')}": {
        "task": f"messaging.tasks.{name}",
        "schedule": crontab(),
        "options": {"expires": SWEEP_EXPIRES_SECONDS},
    }
    for name in ("answer_deadline_sweep", "answer_reminders_sweep")
}
