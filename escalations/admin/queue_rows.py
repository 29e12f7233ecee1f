"""The case list's rows, drawn once per page (issue 17: the list at 1,000,000 cases).

The admin draws each cell through ``items_for_result``: per cell a field lookup that fails
(the columns are methods), a ``format_html``, per row a ``reverse()`` and the preserved
filters parsed again, and in the columns themselves the choices' labels, the local time zone
and the translations looked up again for every row. That was most of the page's CPU time
(bench/README.md "Case list"). :class:`QueueRows` works out what is the same for every row once
(the labels, the translated words, the time zone, ``now``, the change page's address with the
list's filters) and draws each cell with plain string formatting of escaped values: the same
HTML as the admin's cells (``<th class="field-case_cell"><a href="…">…</a></th>``, ``<td
class="field-…">…</td>``)."""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import gettext as _

from escalations.admin.sla import STATE_COLOURS, STATE_LABELS
from escalations.models import Case
from kit.durations import duration_text

PK = "__pk__"  # where the row's id goes in the change page's address


class _Memo:
    """One of ``timesince``'s unit strings (``%(num)d 時間``), translated once per number."""

    def __init__(self, lazy):
        self.lazy, self.done = lazy, {}

    def __mod__(self, params: dict) -> str:
        num = params["num"]
        if num not in self.done:
            self.done[num] = self.lazy % params
        return self.done[num]


class QueueRows:
    """What every row of one page shares, and each column's cell."""

    def __init__(self, *, now: dt.datetime | None = None):
        self.now = now or timezone.now()
        self.tz = timezone.get_current_timezone()
        self.status, self.tier, self.priority = (
            {value: str(label) for value, label in Case._meta.get_field(name).flatchoices}
            for name in ("status", "tier", "priority")
        )
        self.team_queue = _("team queue")
        self.owner = escape(_("owner"))
        self.late = _("%(time)s late")
        self.left = _("%(time)s left")
        self.on_hold = _("On hold %(time)s")
        self.state_labels = {state: str(label) for state, label in STATE_LABELS.items()}
        self.time_strings = {unit: _Memo(text) for unit, text in TIME_STRINGS.items()}

    def minute(self, value: dt.datetime) -> str:
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def case_cell(self, case: Case) -> str:
        subject = escape(case.subject)
        age = timesince(case.created_at, self.now, depth=1, time_strings=self.time_strings)
        return mark_safe(
            f'<span class="queue-ref">{escape(case.reference)}</span> <span class="queue-age" '
            f'title="{self.minute(case.created_at)}">{escape(age)}</span>'
            f'<span class="queue-subject" title="{subject}">{subject}</span>'
        )

    def customer_cell(self, case: Case) -> str:
        customer = case.customer
        return mark_safe(
            f'<span title="{escape(customer.furigana or "")}">{escape(customer.name)}</span>'
        )

    def state(self, case: Case) -> str:
        status = self.status.get(case.status, case.status)
        tier = self.tier.get(case.tier, case.tier)
        return mark_safe(
            f'{escape(status)} <span class="queue-tier" title="{escape(tier)}">'
            f"L{escape(case.tier)}</span>"
        )

    def priority_badge(self, case: Case) -> str:
        priority = escape(case.priority)
        label = escape(self.priority.get(case.priority, case.priority))
        return mark_safe(
            f'<span class="queue-priority queue-p{priority}" title="{label}">P{priority}</span>'
        )

    def people(self, case: Case) -> str:
        handler = str(case.handler) if case.handler_id else self.team_queue
        if case.owner_id == case.handler_id:
            return handler
        return mark_safe(
            f'{escape(handler)}<span class="queue-owner" title="{self.owner}">'
            f"{escape(str(case.owner))}</span>"
        )

    def sla(self, case: Case) -> str:
        state = getattr(case, "sla_state", None)
        if state is None:
            return "—"
        text = self.late if state.state == "breached" else self.left
        detail = text % {"time": duration_text(abs(state.left))}
        return mark_safe(
            f'<span class="sla-badge sla-{escape(state.state)}" style="color:#fff;background:'
            f"{STATE_COLOURS[state.state]};padding:1px 6px;border-radius:8px;"
            f'white-space:nowrap" title="{self.minute(state.due)}">'
            f"{escape(self.state_labels[state.state])} · {escape(detail)}</span>"
        )

    def hold(self, case: Case) -> str:
        since = getattr(case, "hold_since", None)
        if since is None:
            return "—"
        local = since.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")
        text = self.on_hold % {"time": duration_text(self.now - since)}
        return mark_safe(
            '<span class="hold-badge" style="color:#fff;background:#ba2121;padding:1px 6px;'
            f'border-radius:8px;white-space:nowrap" title="{local}">{escape(text)}</span>'
        )


def result_rows(cl) -> list[list[SafeString]] | None:
    """Every row's cells for the admin's ``change_list_results.html``; ``None`` when the list
    shows something this does not draw (then the admin draws it)."""
    rows = QueueRows()
    if cl.formset or cl.is_popup or cl.to_field:
        return None
    links = cl.list_display_links
    columns = []
    for index, name in enumerate(cl.list_display):
        draw = getattr(rows, name, None)
        if draw is None:
            return None
        link = links is not None and (name in links or (index == 0 and not links))
        columns.append((name, draw, link))
    opts = cl.opts
    url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change",
        args=(PK,),
        current_app=cl.model_admin.admin_site.name,
    )
    url = escape(
        add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": opts}, url)
    )
    drawn = []
    for case in cl.result_list:
        cells = []
        first = True
        for name, draw, link in columns:
            html = conditional_escape(draw(case))
            if link:
                tag = "th" if first else "td"
                first = False
                href = url.replace(PK, escape(quote(case.pk)))
                html = f'<{tag} class="field-{name}"><a href="{href}">{html}</a></{tag}>'
            else:
                html = f'<td class="field-{name}">{html}</td>'
            cells.append(mark_safe(html))
        drawn.append(cells)
    return drawn
