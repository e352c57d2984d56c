"""One way every timer task runs its sweep: call the service, log one line an operator can grep
(`sweep=<name> handled=<count> duration_ms=<ms>` on the logger "gigly.sweeps"), return the count."""

import logging
import time

logger = logging.getLogger("gigly.sweeps")


def run_sweep(name, sweep):
    started = time.monotonic()
    handled = sweep()
    logger.info("sweep=%s handled=%s duration_ms=%d", name, handled, (time.monotonic() - started) * 1000)
    return handled
