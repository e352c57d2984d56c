"""Shared by the PostgreSQL concurrency tests: start callables at the same moment in threads."""

import threading

from django.db import connection


def race(*jobs, timeout=60):
    """Run the callables at the same moment in threads, each on its own connection; return [(result or
    exception), ...]. A thread still running after `timeout` seconds fails the test (a deadlock)."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return results
