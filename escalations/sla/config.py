"""The SLA configuration a case's timers are started from (policies by category, their
targets, their calendars' schedules), read once per process and again when any of it
changes (``kit.configcache``): opening a case or escalating one reads none of it from the
database."""

from __future__ import annotations

import dataclasses
import datetime as dt

from escalations.models import (
    BusinessCalendar,
    CalendarDay,
    OpeningHours,
    SLAHopTarget,
    SLAPolicy,
    SLAPriorityTarget,
)
from escalations.sla.schedules import ScheduleCache
from kit.configcache import ConfigCache


@dataclasses.dataclass
class SLAConfig:
    by_category: dict[int, SLAPolicy]
    default: SLAPolicy | None
    priority_targets: dict[tuple[int, int], SLAPriorityTarget]
    hop_targets: dict[int, dict[int, SLAHopTarget]]
    _schedules: dict[dt.date, ScheduleCache] = dataclasses.field(default_factory=dict)

    def policy_for(self, category_id: int | None) -> SLAPolicy | None:
        """The policy naming the category (the oldest, a default one last), else the oldest
        default policy."""
        return self.by_category.get(category_id, self.default)

    def schedules(self, today: dt.date) -> ScheduleCache:
        """The calendars' schedules as of ``today`` (built once per calendar and day)."""
        if today not in self._schedules:
            self._schedules.clear()  # yesterday's are not needed again
            self._schedules[today] = ScheduleCache(today=today)
        return self._schedules[today]


def load() -> SLAConfig:
    """Five queries: policies with their calendars, their categories, the calendars' opening
    hours and exception days, then the targets."""
    policies = list(
        SLAPolicy.objects.select_related("calendar")
        .prefetch_related("categories", "calendar__opening_hours", "calendar__days")
        .order_by("is_default", "pk")
    )
    by_category: dict[int, SLAPolicy] = {}
    for policy in policies:  # non-default ones first, oldest first: the first naming one wins
        for category in policy.categories.all():
            by_category.setdefault(category.pk, policy)
    default = next((p for p in policies if p.is_default), None)
    by_pk = {p.pk: p for p in policies}
    priority_targets = {}
    hop_targets: dict[int, dict[int, SLAHopTarget]] = {}
    for target in SLAPriorityTarget.objects.all():
        target.policy = by_pk[target.policy_id]
        priority_targets[(target.policy_id, target.priority)] = target
    for hop_target in SLAHopTarget.objects.all():
        hop_target.policy = by_pk[hop_target.policy_id]
        hop_targets.setdefault(hop_target.policy_id, {})[hop_target.to_tier] = hop_target
    return SLAConfig(by_category, default, priority_targets, hop_targets)


CONFIG = ConfigCache("sla", load)
CONFIG.watch(
    SLAPolicy,
    SLAPolicy.categories.through,
    SLAPriorityTarget,
    SLAHopTarget,
    BusinessCalendar,
    OpeningHours,
    CalendarDay,
)


def sla_config() -> SLAConfig:
    return CONFIG.get()
