"""Database models."""
from webinar.models.courses import Assessment, Course, CourseGroup, CourseTeacher, Group
from webinar.models.jobs import Job, JobStatus
from webinar.models.lectures import Caption, Lecture, LectureStatus, WatchProgress
from webinar.models.uploads import Upload
from webinar.models.users import Role, User, group_members

__all__ = [
    "Assessment", "Course", "CourseGroup", "CourseTeacher", "Group",
    "Caption", "Job", "JobStatus", "Lecture", "LectureStatus", "WatchProgress", "Role", "Upload", "User", "group_members",
]
