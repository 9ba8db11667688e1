"""Turn an uploaded recording into the low-bandwidth renditions students play.

Audio and slides are published first, video tiers after. Every output of one run goes under a
fresh storage prefix, and a lecture only points at a prefix once its files are all stored: a killed
or failed run never leaves a half-published lecture.
"""
from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import update

from media import bundle, slides, transcode
from media.ffmpeg import ffmpeg_binary
from media.ladder import renditions_for
from media.noise import NoiseMeter
from media.probe import Limits, ProbeRejected, SourceInfo, probe
from media.storage import NotFound
from webinar.extensions import db
from webinar.lectures.packaging import bundle_labels, put_tree, stage_captions
from webinar.live.timeline import timeline_for_lecture, write_slides
from webinar.models import Lecture, LectureStatus
from webinar.models.base import utcnow
from webinar.realtime import push_progress
from webinar.storage import storage
from workers.context import JobContext, JobRejected
from workers.lease import hold

log = logging.getLogger(__name__)
AUDIO_SHARE = 0.2  # of the progress bar: audio + slides come first and are quick


def process_lecture(ctx: JobContext) -> dict[str, Any]:
    """The job handler: probe, publish audio + slides, then video tiers and offline copies."""
    lecture = db.session.get(Lecture, ctx.payload["lecture_id"])
    if lecture is None or lecture.revision != ctx.payload["revision"]:
        return {"skipped": "lecture deleted or replaced"}
    source_key, revision, shown = lecture.source_key, lecture.revision, lecture.media_prefix
    earlier = earlier_attempt(lecture)
    db.session.remove()
    with ctx.work_dir("lecture") as work:
        if earlier == "final":  # a killed attempt published everything but did not mark the job done
            return finish_earlier_attempt(ctx.payload["lecture_id"], shown)
        run = LectureRun(ctx, work, revision, quiet=shown is not None)
        try:
            info = run.fetch_and_probe(source_key)
            run.audio_and_slides(info)
            if info.video is not None:
                run.video_tiers(info)
            run.offline_bundle()
            run.finish()
        except Superseded:
            return {"skipped": "lecture deleted or replaced while processing"}
        except Exception:
            run.discard()
            raise
    return {"prefix": run.prefix, "outputs": sorted(run.manifest)}


def rebuild_bundle(ctx: JobContext) -> dict[str, Any]:
    """Rebuild the offline bundle of a published lecture (its captions changed)."""
    lecture = db.session.get(Lecture, ctx.payload["lecture_id"])
    if lecture is None or lecture.revision != ctx.payload["revision"] or not lecture.manifest:
        return {"skipped": "lecture deleted or replaced"}
    prefix, manifest, duration = lecture.media_prefix, dict(lecture.manifest), lecture.duration
    db.session.remove()
    with ctx.work_dir("bundle") as work:
        run = LectureRun(ctx, work, ctx.payload["revision"], prefix=prefix)
        run.manifest, run.duration = manifest, duration
        needed = ["audio.m4a"] + [f"bundle/{s['file']}" for s in manifest.get("bundle_slides", [])]
        for name in needed:
            (run.out / name).parent.mkdir(parents=True, exist_ok=True)
            with (run.out / name).open("wb") as fileobj:
                storage().get(f"{prefix}/{name}", fileobj)
        old = manifest.get("bundle", {}).get("path")
        run.offline_bundle()
        run.publish(LectureStatus.READY)
    if old:
        storage().delete(f"{prefix}/{old}")
    return {"bundle": run.manifest["bundle"]}


class Superseded(Exception):
    """The lecture was deleted, or got a new recording, while this run worked on the old one."""


def earlier_attempt(lecture: Lecture) -> str | None:
    """What a killed attempt at this revision left shown to students: "final" (everything, the
    offline bundle included), "partial" (audio, maybe video), or None."""
    if not (lecture.media_prefix or "").startswith(f"lectures/{lecture.id}/r{lecture.revision}-"):
        return None
    return "final" if (lecture.manifest or {}).get("bundle") else "partial"


def finish_earlier_attempt(lecture_id: int, prefix: str) -> dict[str, Any]:
    """Do what a killed attempt left undone after its final publish, instead of publishing again."""
    from webinar.announcements.service import announce_lecture  # here: it imports the web features
    announce_lecture(lecture_id)
    remove_other_runs(lecture_id, prefix)
    return {"prefix": prefix, "skipped": "published by an earlier attempt"}


def remove_other_runs(lecture_id: int, prefix: str) -> None:
    """Delete every run's files but the published one's (and the captions, and the source if kept)."""
    keep = {prefix, f"lectures/{lecture_id}/captions"}
    if current_app.config["KEEP_SOURCES"]:
        keep.add(f"lectures/{lecture_id}/source")  # to re-process when the ladder improves
    stale = {"/".join(key.split("/")[:3]) for key in storage().list(f"lectures/{lecture_id}/")} - keep
    for run_prefix in sorted(stale):
        storage().delete_prefix(f"{run_prefix}/")


class LectureRun:
    """One attempt at processing one revision of a lecture, in a private work directory."""

    def __init__(self, ctx: JobContext, work: Path, revision: int, prefix: str | None = None,
                 quiet: bool = False) -> None:
        self.ctx, self.work, self.revision = ctx, work, revision
        # quiet: students already play something (an earlier recording, or an earlier attempt's audio or
        # video): switch only to the whole result, so what they see never goes back (video gone while
        # this run re-encodes it, or for good when it fails).
        self.quiet = quiet
        self.lecture_id: int = ctx.payload["lecture_id"]
        self.out = work / "out"
        self.out.mkdir()
        self.prefix = prefix or f"lectures/{self.lecture_id}/r{revision}-{uuid.uuid4().hex[:10]}"
        self.binary = ffmpeg_binary(current_app.config.get("FFMPEG_BINARY"))
        self.timeout = current_app.config["FFMPEG_TIMEOUT_SECONDS"]
        self.manifest: dict[str, Any] = {}
        self.duration: float | None = None
        self.noise = NoiseMeter()  # fed in phase 1; a source it never saw is not denoised
        self.status = LectureStatus.PROCESSING
        self.started = time.monotonic()

    def report(self, fraction: float, stage: str) -> None:
        """Record progress on the job (renewing its lease) and push it to the teachers watching."""
        self.ctx.progress(fraction, stage)
        elapsed = time.monotonic() - self.started
        eta = round(elapsed * (1 - fraction) / fraction) if fraction > 0.02 else None
        push_progress(self.lecture_id, {"status": self.status.value, "progress": round(fraction, 3),
                                        "eta_seconds": eta, "queue_position": 0, "failed": False})

    def fetch_and_probe(self, source_key: str) -> SourceInfo:
        """Copy the source into the work directory and check it is a usable recording."""
        self.report(0.0, "probing")
        source = self.work / "source"
        try:
            with source.open("wb") as fileobj:
                storage().get(source_key, fileobj)
        except NotFound:
            raise Superseded(self.lecture_id) from None  # deleted before we started
        try:
            info = probe(source, media_limits())
        except ProbeRejected as exc:
            self._record_failure(exc.code, exc.params)
            raise JobRejected(f"{exc.code}: {exc.params}") from exc
        self.duration = info.duration
        return info

    def audio_and_slides(self, info: SourceInfo) -> None:
        """Encode the audio tier and find the slides in one ffmpeg pass; publish them.

        A webinar's recording takes its slides from the pages the teacher showed, and its chat."""
        timeline = timeline_for_lecture(self.lecture_id)
        if timeline is not None and timeline.chat:
            self.manifest["chat"] = timeline.chat
        shown = timeline is not None and bool(timeline.slides)
        detector = slides.SlideDetector() if info.video is not None and not shown else None
        outputs = transcode.transcode_audio(
            info, self.out, binary=self.binary, timeout=self.timeout,
            on_progress=lambda f: self.report(f * AUDIO_SHARE, "audio"),
            on_frame=self._analyse(detector) if detector else None, frame_rate=slides.ANALYSIS_FPS,
        )
        self.manifest["audio"] = {o.name: output_entry(o) for o in outputs}
        if shown:
            self.manifest["slides"], self.manifest["bundle_slides"] = write_slides(timeline, self.out)
        elif detector is not None:
            found = detector.finish()
            self.manifest["slides"] = slides.write_stills(found, self.out)
            # JPEG copies for the offline bundle (old browsers), kept so captions can rebuild it.
            self.manifest["bundle_slides"] = slides.write_stills(found, self.out / "bundle", fmt="jpeg")
        self.publish(LectureStatus.AUDIO_READY if info.video else LectureStatus.READY)

    def _analyse(self, detector: slides.SlideDetector) -> transcode.FrameCallback:
        """The phase-1 frame callback: the slide detector and the noise meter see every frame."""
        def feed(t: float, rgb: np.ndarray) -> None:
            detector.feed(t, rgb)
            self.noise.feed(t, rgb)
        return feed

    def video_tiers(self, info: SourceInfo) -> None:
        """Every video tier from one decode, then the small offline MP4; publish them."""
        rungs = renditions_for(info)
        outputs = transcode.transcode_video(
            info, rungs, self.out, binary=self.binary, timeout=self.timeout,
            audio_m4a=self.out / "audio.m4a", denoise=self.noise.noisy(),
            on_progress=lambda f: self.report(AUDIO_SHARE + f * (0.95 - AUDIO_SHARE), "video"),
        )
        (self.out / "video.m3u8").write_text(transcode.master_playlist(outputs), encoding="utf-8")
        offline = transcode.offline_mp4(self.out, self.out / "offline.mp4", binary=self.binary)
        self.manifest["video"] = [output_entry(o) for o in outputs]
        self.manifest["offline_mp4"] = output_entry(offline)
        self.publish(LectureStatus.READY)

    def offline_bundle(self) -> None:
        """The audio + slides zip for a USB stick, with the captions attached so far."""
        self.report(0.96, "bundle")
        name = f"offline-{uuid.uuid4().hex[:6]}.zip"  # a new name: published files never change
        size = bundle.build_offline_bundle(
            self.out / name, title=self._title(), audio=self.out / "audio.m4a",
            stills=self.manifest.get("bundle_slides", []), stills_dir=self.out / "bundle",
            captions=stage_captions(self.lecture_id, self.work / "captions"),
            labels=bundle_labels(self.lecture_id),
        )
        self.manifest["bundle"] = {"path": name, "bytes": size}

    def finish(self) -> None:
        """Publish the final manifest and remove earlier runs' files."""
        self.publish(LectureStatus.READY, final=True)
        from webinar.announcements.service import announce_lecture  # here: it imports the web features
        announce_lecture(self.lecture_id)  # the first publish only; never fails the lecture
        remove_other_runs(self.lecture_id, self.prefix)

    def publish(self, status: LectureStatus, *, final: bool = False) -> None:
        """Upload new files, then point the lecture at them in one transaction with a lease check."""
        put_tree(storage(), self.out, self.prefix)
        values: dict[str, Any] = dict(
            media_prefix=self.prefix, manifest=dict(self.manifest), status=status,
            duration=self.duration, error_code=None, error_params=None,
        )
        if final:
            values["published_at"] = utcnow()
        if final or not self.quiet:
            self._write_lecture(values)
            self.status = status
        if final:
            self.report(1.0, "published")

    def _write_lecture(self, values: dict[str, Any]) -> None:
        """Update this revision of the lecture only while this worker still holds the job."""
        hold(self.ctx.job_id, self.ctx.owner)
        current = db.session.execute(
            update(Lecture).where(Lecture.id == self.lecture_id, Lecture.revision == self.revision)
            .values(**values).execution_options(synchronize_session=False)
        ).rowcount == 1
        db.session.commit()
        if not current:
            self._drop_unused_files()
            raise Superseded(self.lecture_id)

    def discard(self) -> None:
        """After a failure: remove what this run stored, unless students play it."""
        try:
            db.session.rollback()
            self._drop_unused_files()
        except Exception:  # the failure may be the storage's or the database's own
            log.exception("lecture %s: could not remove the files of failed run %s", self.lecture_id, self.prefix)

    def _drop_unused_files(self) -> None:
        """Delete this run's files unless students still play them (until the newer run publishes)."""
        lecture = db.session.get(Lecture, self.lecture_id)
        if lecture is None or lecture.media_prefix != self.prefix:
            storage().delete_prefix(f"{self.prefix}/")

    def _record_failure(self, code: str, params: dict[str, Any]) -> None:
        """Tell the teacher why the recording was refused."""
        self._write_lecture(dict(status=LectureStatus.FAILED, error_code=code, error_params=params))
        push_progress(self.lecture_id, {"status": "failed", "progress": 0.0, "eta_seconds": None,
                                        "queue_position": 0, "failed": True})

    def _title(self) -> str:
        lecture = db.session.get(Lecture, self.lecture_id)
        return lecture.title if lecture else "lecture"


def media_limits() -> Limits:
    """The probe's limits from the app config."""
    config = current_app.config
    return Limits(max_bytes=config["LECTURE_MAX_BYTES"], max_seconds=config["LECTURE_MAX_SECONDS"])


def output_entry(output: Any) -> dict[str, Any]:
    """What the player and the download buttons need to know about one output."""
    entry = {"name": output.name, "path": output.path, "bytes": output.bytes}
    for attr in ("width", "height", "bitrate"):
        if getattr(output, attr, None):
            entry[attr] = getattr(output, attr)
    return entry
