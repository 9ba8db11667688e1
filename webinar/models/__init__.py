"""Database models."""
from webinar.models.announcements import (Announcement, AnnouncementKind, AnnouncementRead,
                                          AnnouncementSettings, DeliveryStatus, EmailDelivery, announcement_groups)
from webinar.models.courses import Assessment, Course, CourseGroup, CourseTeacher, Group
from webinar.models.jobs import Job, JobStatus
from webinar.models.lectures import Caption, Lecture, LectureStatus, WatchProgress
from webinar.models.live import (AttendanceSpan, ChatMessage, LiveEvent, LiveSession, LiveStatus, Participant,
                                 Poll, PollAnswer, Question, QuestionVote, SlidesStatus, live_session_groups)
from webinar.models.materials import Material, MaterialVersion, PagesStatus, Section
from webinar.models.uploads import Upload
from webinar.models.users import Role, User, group_members

__all__ = [
    "Assessment", "Course", "CourseGroup", "CourseTeacher", "Group",
    "Announcement", "AnnouncementKind", "AnnouncementRead", "AnnouncementSettings", "DeliveryStatus",
    "EmailDelivery", "announcement_groups",
    "AttendanceSpan", "ChatMessage", "LiveEvent", "LiveSession", "LiveStatus", "Participant", "Poll",
    "PollAnswer", "Question", "QuestionVote", "SlidesStatus", "live_session_groups",
    "Material", "MaterialVersion", "PagesStatus", "Section",
    "Caption", "Job", "JobStatus", "Lecture", "LectureStatus", "WatchProgress", "Role", "Upload", "User", "group_members",
]
