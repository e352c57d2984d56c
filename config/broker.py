"""The embedded default's broker (`make run` without REDIS_URL): kombu's filesystem transport, made to notice a
shutdown quickly.

Celery runs transports that cannot wake it up (polling ones like this) in a blocking loop that waits up to two
seconds for a message and, once asked to stop, finishes the wait it is in and then one more before it stops. With
the pool's and Python's own shutdown on top, Ctrl-C under honcho took longer than the five seconds honcho gives
before its SIGKILL. Capping each wait at WAIT_SECONDS lets the worker stop in well under that; the folder is read
as often as the wait, a directory listing."""

from kombu.transport.filesystem import Transport as FilesystemTransport

WAIT_SECONDS = 0.25


class Transport(FilesystemTransport):
    polling_interval = WAIT_SECONDS

    def drain_events(self, connection, timeout=None):
        return super().drain_events(connection, timeout=min(timeout or WAIT_SECONDS, WAIT_SECONDS))
