"""Teaching files: checked, stored under keys of our own, versioned, reordered and removed."""
from __future__ import annotations

import hashlib
import logging
import secrets
from pathlib import Path
from tempfile import TemporaryDirectory

from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from media.pdf import PdfLimits, PdfRejected, sniff_pdf
from webinar.extensions import db
from webinar.materials.names import clean_filename, default_title, split_name
from webinar.materials.sniff import CONTENT_TYPES, Limits, Refused, sniff
from webinar.models import Job, Material, MaterialVersion, PagesStatus, Section, User
from webinar.storage import storage
from workers import new_job

log = logging.getLogger(__name__)
PAGES_KIND = "material_pages"


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fileobj:
        while chunk := fileobj.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def pdf_limits() -> PdfLimits:
    """The PDF limits for materials from the app config."""
    config = current_app.config
    return PdfLimits(max_bytes=config["MATERIALS_MAX_BYTES"], max_pages=config["MATERIALS_MAX_PAGES"])


class Checked:
    """An uploaded file saved to a temporary folder and checked: its name, kind, size and digest."""

    def __init__(self, upload: FileStorage, work: Path) -> None:
        self.filename = clean_filename(upload.filename)
        self.ext = split_name(self.filename)[1].lower()
        self.path = work / "upload"  # never the user's name on our disk
        upload.save(self.path)
        self.size = self.path.stat().st_size
        self.kind = self._kind()
        self.sha256 = sha256_of(self.path)

    def _kind(self) -> str:
        """The content kind, or Refused with the reason."""
        config = current_app.config
        if not self.ext:
            raise Refused("no_extension")
        if self.size > config["MATERIALS_MAX_BYTES"]:
            raise Refused("too_large", {"max": config["MATERIALS_MAX_BYTES"]})
        limits = Limits(config["MATERIALS_ZIP_MAX_MEMBERS"], config["MATERIALS_ZIP_MAX_BYTES"])
        kind = sniff(self.path, self.ext, limits)
        if kind == "pdf":
            try:
                sniff_pdf(self.path, pdf_limits())
            except PdfRejected as exc:
                raise Refused("damaged" if exc.code != "too_large" else exc.code, exc.params) from None
        return kind


def same_file(section: Section, sha256: str) -> Material | None:
    """A material of the section whose current version is this very file."""
    return db.session.scalar(
        select(Material).join(MaterialVersion, (MaterialVersion.material_id == Material.id)
                              & (MaterialVersion.number == Material.current_number))
        .where(Material.section_id == section.id, MaterialVersion.sha256 == sha256).limit(1)
    )


def add_material(section: Section, upload: FileStorage, title: str, user: User) -> tuple[Material, Job | None]:
    """Check and store a new file at the end of the section (committed); Refused on bad input."""
    with TemporaryDirectory(prefix="material-") as work:
        checked = Checked(upload, Path(work))
        if (twin := same_file(section, checked.sha256)) is not None:
            raise Refused("duplicate", {"title": twin.title})
        last = db.session.scalar(select(func.max(Material.position)).where(Material.section_id == section.id))
        material = Material(section=section, title=title or default_title(checked.filename),
                            position=(last or 0) + 1)
        db.session.add(material)
        db.session.flush()
        job = _store(material, checked, user)
    return material, job


def add_version(material: Material, upload: FileStorage, user: User) -> Job | None:
    """Check and store a new version of the material; the old ones stay listed (committed)."""
    with TemporaryDirectory(prefix="material-") as work:
        checked = Checked(upload, Path(work))
        current = material.current
        if current is not None and current.sha256 == checked.sha256:
            raise Refused("same_version")
        return _store(material, checked, user)


def _store(material: Material, checked: Checked, user: User) -> Job | None:
    """Put the file under a key of ours, make it the current version, queue its pages if a PDF; commit."""
    number = max((v.number for v in material.versions), default=0) + 1
    key = f"materials/{material.section.course_id}/{material.id}/v{number}-{secrets.token_hex(8)}{checked.ext}"
    version = MaterialVersion(material=material, number=number, key=key, filename=checked.filename,
                              size=checked.size, sha256=checked.sha256, kind=checked.kind,
                              uploaded_by_id=user.id)
    db.session.add(version)
    try:
        with checked.path.open("rb") as fileobj:
            storage().put(key, fileobj, content_type=CONTENT_TYPES[checked.kind])
        material.current_number = number
        job = None
        if checked.kind == "pdf":
            version.pages_status = PagesStatus.PROCESSING
            db.session.flush()
            job = new_job(PAGES_KIND, {"version_id": version.id}, user.id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        storage().delete(key)
        raise
    log.info("material %s: version %s stored as %s", material.id, number, key)
    return job


def delete_material(material: Material) -> None:
    """Remove the material, every version and every page image."""
    prefix = f"materials/{material.section.course_id}/{material.id}/"
    db.session.delete(material)
    db.session.commit()
    removed = storage().delete_prefix(prefix)
    log.info("material under %s deleted with %s stored files", prefix, removed)


def rename_material(material: Material, title: str) -> None:
    """Give the material a new title."""
    material.title = " ".join(title.split())[:200]
    db.session.commit()
