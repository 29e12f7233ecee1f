"""The choices the case models and the rules share."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    WEB = "web", _("Web form")
    API = "api", _("API")


class Reason(models.TextChoices):
    KNOWLEDGE_GAP = "knowledge_gap", _("Knowledge gap")
    SUPERIOR_REQUESTED = "superior_requested", _("Customer asks for a superior")
    BEYOND_AUTHORITY = "beyond_authority", _("Beyond authority (discount, refund, ...)")
    COMPLAINT = "complaint", _("Complaint")
    TECHNICAL_FAULT = "technical_fault", _("Technical fault")
    COMPLIANCE = "compliance", _("Compliance risk")
    OTHER = "other", _("Other")


class Mood(models.TextChoices):
    CALM = "calm", _("Calm")
    ANXIOUS = "anxious", _("Anxious")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    ANGRY = "angry", _("Angry")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    ESCALATED = "escalated", _("Escalated")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RETURNED = "returned", _("Answer returned")
    PENDING_CUSTOMER = "pending_customer", _("Pending customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")


S = CaseStatus
OPEN_STATUSES = [S.NEW, S.IN_PROGRESS, S.ESCALATED, S.ACKNOWLEDGED, S.RETURNED, S.PENDING_CUSTOMER]
