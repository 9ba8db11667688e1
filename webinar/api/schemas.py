"""What the API accepts and answers: these models validate requests and responses and make the document."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**31 - 1  # ids are 32-bit in the database
Share = Field(ge=0, le=1, description="Fraction of the lecture played at least once")
Seconds = Field(ge=0, le=10**7, allow_inf_nan=False)


class Strict(BaseModel):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class GroupOut(BaseModel):
    """A student group."""

    id: int
    name: str


class MeOut(BaseModel):
    """The signed-in user."""

    id: int
    username: str
    full_name: str
    role: Literal["admin", "teacher", "student"]
    locale: str | None
    data_saver: bool | None = Field(description="Audio + slides instead of video; null: decide by the link")
    groups: list[GroupOut]
    unread_announcements: int = Field(ge=0)
    csrf_token: str = Field(description="Send it as the X-CSRFToken header with every write")


class SettingsIn(Strict):
    """The user's settings that follow them to every device."""

    data_saver: bool | None = Field(description="Audio + slides instead of video; null: decide by the link")


class CourseOut(BaseModel):
    """A course: a discipline in one academic year and semester."""

    id: int
    title: str
    academic_year: str
    semester: int
    assessment: Literal["exam", "credit", "coursework"]
    teachers: list[str]
    groups: list[GroupOut]
    can_manage: bool


class CourseList(BaseModel):
    """The user's courses, newest term first."""

    items: list[CourseOut]


class ProgressOut(BaseModel):
    """Where the user stopped in a lecture, and how much of it they played."""

    position: float = Field(ge=0, description="Where the user stopped, in seconds")
    share: float = Share


class LectureOut(BaseModel):
    """A recorded lecture (students only get visible, playable ones)."""

    id: int
    course_id: int
    title: str
    position: int
    status: Literal["processing", "audio_ready", "ready", "failed"]
    visible: bool
    playable: bool
    duration: float | None
    published_at: datetime | None
    progress: ProgressOut


class LectureList(BaseModel):
    """A course's lectures in the teacher's order."""

    items: list[LectureOut]


class AudioOut(BaseModel):
    """A progressive audio file of the lecture: Opus first, AAC for older phones."""

    format: Literal["opus", "aac"]
    mime: str
    bytes: int = Field(ge=0)
    url: str


class VersionOut(BaseModel):
    """A version a student can choose, with its size in bytes."""

    id: str = Field(description="'saver' (audio + slides), or 'level-N' for the N-th video tier from the smallest")
    kind: Literal["saver", "video"]
    name: str
    bytes: int = Field(ge=0)
    width: int | None = None
    height: int | None = None


class SlideOut(BaseModel):
    """A slide still and the time it appears."""

    t: float = Field(description="Seconds from the start")
    bytes: int = Field(ge=0)
    url: str


class CaptionOut(BaseModel):
    """A WebVTT caption file."""

    lang: str
    url: str


class DownloadOut(BaseModel):
    """An offline copy: a small MP4, or audio + slides as a ZIP."""

    kind: Literal["mp4", "bundle"]
    bytes: int = Field(ge=0)
    url: str


class LectureDetail(LectureOut):
    """A lecture with its versions, media links and downloads; every link is checked at each request."""

    versions: list[VersionOut]
    audio: list[AudioOut]
    video_playlist: str | None = Field(description="HLS master playlist of the video tiers")
    slides: list[SlideOut]
    captions: list[CaptionOut]
    downloads: list[DownloadOut]


class ProgressIn(Strict):
    """A progress report from the player."""

    position: float = Seconds
    played: list[tuple[float, float]] = Field(
        default=[], max_length=50, description="Stretches played since the last report, [start, end] seconds")


class WebinarOut(BaseModel):
    """A live webinar of a course."""

    id: int
    course_id: int
    title: str
    starts_at: datetime
    duration_minutes: int
    status: Literal["scheduled", "live", "ended"]
    lobby_opens_at: datetime
    lobby_open: bool
    groups: list[GroupOut]
    page_url: str
    replay_lecture_id: int | None


class WebinarList(BaseModel):
    """A course's webinars, soonest first."""

    items: list[WebinarOut]


class MaterialOut(BaseModel):
    """The current version of a teaching file."""

    id: int
    title: str
    filename: str
    kind: str = Field(description="What the content is: pdf, docx, png, zip, ...")
    bytes: int = Field(ge=0)
    version: int
    uploaded_at: datetime
    download_url: str
    pages_url: str | None = Field(description="The PDF as page images for phones, once they are ready")


class SectionOut(BaseModel):
    """A syllabus section and its files."""

    id: int
    title: str
    materials: list[MaterialOut]


class SectionList(BaseModel):
    """A course's sections in the teacher's order."""

    items: list[SectionOut]


class AnnouncementOut(BaseModel):
    """An announcement, worded in the reader's language."""

    id: int
    course_id: int
    course_title: str
    kind: Literal["manual", "lecture", "webinar"]
    title: str
    text: str
    due_on: date | None
    created_at: datetime
    unread: bool
    lecture_id: int | None
    webinar_id: int | None


class AnnouncementPage(BaseModel):
    """One page of announcements, newest first."""

    items: list[AnnouncementOut]
    page: int
    has_more: bool


class PageQuery(BaseModel):
    """Which page of a list."""

    page: int = Field(default=1, ge=1, le=10_000)


class ReadIn(Strict):
    """Announcements to mark read."""

    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=100)


class ReadOut(BaseModel):
    """How many announcements were marked read."""

    marked: int = Field(ge=0)
