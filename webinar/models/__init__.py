"""Database models."""
from webinar.models.courses import Assessment, Course, CourseGroup, CourseTeacher, Group
from webinar.models.jobs import Job, JobStatus
from webinar.models.users import Role, User, group_members

__all__ = [
    "Assessment", "Course", "CourseGroup", "CourseTeacher", "Group",
    "Job", "JobStatus", "Role", "User", "group_members",
]
