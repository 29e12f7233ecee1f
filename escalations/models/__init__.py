"""The escalations app's models, by subject: what a case is about (``catalog``), the case and its
hops (``cases``), SLA calendars, policies and timers (``sla``), callback promises (``hold``)."""

from escalations.models.cases import (
    Case,
    CaseNote,
    CaseReferenceCounter,
    Escalation,
    EscalationOutcome,
    NoteKind,
)
from escalations.models.catalog import Category, Customer, EscalationRule
from escalations.models.choices import OPEN_STATUSES, CaseStatus, Channel, Mood, Reason
from escalations.models.coverage import CoverageGap
from escalations.models.hold import Callback, CallbackStatus, HoldOutcome
from escalations.models.nudges import Nudge, NudgeCleared, NudgeKind
from escalations.models.sla import (
    BusinessCalendar,
    CalendarDay,
    CalendarDayKind,
    Level,
    OpeningHours,
    SLAEvent,
    SLAHopTarget,
    SLAPolicy,
    SLAPriorityTarget,
    SLATimer,
    TimerKind,
    TimerOutcome,
    Weekday,
    validate_time_zone,
)

__all__ = [
    "OPEN_STATUSES",
    "BusinessCalendar",
    "CalendarDay",
    "CalendarDayKind",
    "Callback",
    "CallbackStatus",
    "Case",
    "CaseNote",
    "CaseReferenceCounter",
    "CaseStatus",
    "Category",
    "Channel",
    "CoverageGap",
    "Customer",
    "Escalation",
    "EscalationOutcome",
    "EscalationRule",
    "HoldOutcome",
    "Level",
    "Mood",
    "NoteKind",
    "Nudge",
    "NudgeCleared",
    "NudgeKind",
    "OpeningHours",
    "Reason",
    "SLAEvent",
    "SLAHopTarget",
    "SLAPolicy",
    "SLAPriorityTarget",
    "SLATimer",
    "TimerKind",
    "TimerOutcome",
    "Weekday",
    "validate_time_zone",
]
