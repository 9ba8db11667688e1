"""What a job handler sees: its payload and a way to report progress."""
from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from workers import lease


class JobRejected(Exception):
    """The job's input is unusable; retrying will not help."""


class RetryLater(Exception):
    """The job failed for now (a mail server down); requeue it, but run it only after retry_after seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class JobContext:
    """A running job's id, payload and lease, with progress reporting."""

    job_id: int
    payload: dict[str, Any]
    owner: str
    lease_seconds: int
    log_lines: list[str] = field(default_factory=list)
    # Job ids count per database: two deployments (or test runs) on one host must not take each
    # other's work folders for those of killed attempts.
    scope: str = ""

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Record progress (0..1) and renew the lease; raises LeaseLost if the job was taken."""
        if message:
            self.log_lines = (self.log_lines + [message])[-20:]
        lease.heartbeat(
            self.job_id, self.owner, self.lease_seconds,
            progress=max(0.0, min(fraction, 1.0)), log_tail="\n".join(self.log_lines) or None,
        )

    @contextmanager
    def work_dir(self, kind: str) -> Iterator[Path]:
        """A private work directory for this attempt, once the folders of this job's killed attempts
        are gone (each may hold a whole copy of the source: a few kills would fill the disk)."""
        prefix = f"{kind}-{self.scope}-{self.job_id}-"
        _remove_folders(prefix)  # this worker holds the job now: nobody else uses them
        with tempfile.TemporaryDirectory(prefix=prefix) as work:
            yield Path(work)
        _remove_folders(prefix)  # and whatever a dying attempt's last writes left meanwhile


def _remove_folders(prefix: str) -> None:
    """Remove the temporary folders whose names start with prefix."""
    for stale in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        shutil.rmtree(stale, ignore_errors=True)
