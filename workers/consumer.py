"""Running consumers: standalone (`flask worker`) or inside the web process (`flask serve`)."""
from __future__ import annotations

import logging
import threading

from flask import Flask
from huey.consumer import Consumer
from werkzeug.serving import run_simple

from webinar.models.uploads import expire_uploads
from workers import dispatch, lease

log = logging.getLogger(__name__)


class Reaper(threading.Thread):
    """Periodically requeues jobs whose worker died (lease expired); beside a web server it also
    removes abandoned uploads, whose staged files live on that server's disk."""

    def __init__(self, app: Flask, *, tidy_uploads: bool = False) -> None:
        super().__init__(daemon=True, name="job-reaper")
        self.app = app
        self.tidy_uploads = tidy_uploads
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = self.app.config["REAPER_INTERVAL_SECONDS"]
        while not self.stopped.wait(interval):
            with self.app.app_context():
                try:
                    for job_id in lease.reap():
                        log.warning("job %s lost its worker; requeued", job_id)
                        self.app.extensions["aralyk.run_job_task"](job_id)
                    for job_id in lease.undispatched():
                        log.warning("job %s was never queued; sending it now", job_id)
                        dispatch(job_id)
                    if self.tidy_uploads and (removed := expire_uploads()):
                        log.info("removed %s abandoned uploads", removed)
                except Exception:
                    log.exception("reaper pass failed; will retry")


class InProcessConsumer(Consumer):
    """A Huey consumer that leaves signal handling to the web server it runs beside."""

    def _set_signal_handlers(self) -> None:
        pass


def _consumer_options(threads: int) -> dict:
    return dict(workers=threads, worker_type="thread", periodic=False, max_delay=2.0)


def run_consumer(app: Flask, threads: int) -> None:
    """Consume jobs in this process until interrupted."""
    Reaper(app).start()
    Consumer(app.extensions["aralyk.huey"], **_consumer_options(threads)).run()


def serve_with_worker(app: Flask, host: str, port: int) -> None:
    """The embedded default: web server, job consumer threads and reaper in one process."""
    Reaper(app, tidy_uploads=True).start()
    consumer = InProcessConsumer(app.extensions["aralyk.huey"], **_consumer_options(app.config["WORKER_THREADS"]))
    consumer.start()
    try:
        run_simple(host, port, app, threaded=True)
    finally:
        consumer.stop(graceful=False)
