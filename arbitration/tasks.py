from celery import shared_task


@shared_task
def tickets_auto_close():
    """T3: close the tickets left waiting for the user, or resolved, past their deadline."""
    from .tickets import tickets_auto_close as close

    return close()
