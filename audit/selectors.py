"""The audit log: history rows of every historised model, newest first, read a page at a time.

One query finds the page's keys: a UNION ALL of one ``ORDER BY history_date DESC LIMIT n`` per
history table (each through its ``history_date`` index), cut by a keyset cursor (no OFFSET, no
COUNT). Then, per model present on the page, one query for its rows (with the id of each row's
previous version) and one for those previous versions; one per many-to-many field; one per
model named by a changed foreign key. The number of queries depends on how many models a page
mixes, never on how many rows it shows.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib import admin
from django.db import connection, models
from django.db.models import CharField, OuterRef, Q, Subquery, Value
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from audit.reasons import reason_label
from audit.registry import history_models, m2m_history_models
from escalations.models import Case
from kit.values import is_secret, plain_value

ACTIONS = {
    "+": gettext_lazy("Created"),
    "~": gettext_lazy("Changed"),
    "-": gettext_lazy("Deleted"),
}


@dataclass(frozen=True)
class AuditQuery:
    """What the manager asked for. ``case_id``: the case and every row of a model that points
    at it through a ``case`` foreign key (notes, escalation hops, ...)."""

    user_id: int | None = None
    model_label: str | None = None  # the tracked model, "app_label.model_name"
    object_id: int | None = None
    case_id: int | None = None
    action: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None  # exclusive


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: rows strictly older than (date, table label, history id)."""

    date: dt.datetime
    label: str
    history_id: int

    def encode(self) -> str:
        return f"{self.date.isoformat()}|{self.label}|{self.history_id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises ``ValueError`` on anything but what ``encode`` wrote."""
        date, label, history_id = text.split("|")
        parsed = dt.datetime.fromisoformat(date)
        if timezone.is_naive(parsed):
            raise ValueError("naive date")
        return cls(parsed, label, int(history_id))


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    date: dt.datetime
    action: str
    user_id: int | None
    user: str
    model: str
    model_label: str
    object_id: object
    object: str
    url: str | None
    reason: str
    changes: list[Change] = field(default_factory=list)
    table: str = ""  # the history model's label and the row's id: where a page ends
    history_id: int = 0

    @property
    def action_label(self) -> str:
        return str(ACTIONS.get(self.action, self.action))

    @property
    def reason_label(self) -> str:
        """The reason in words (the stored code stays in ``reason``)."""
        try:
            model = apps.get_model(self.model_label)
        except (LookupError, ValueError):
            model = None
        return reason_label(self.reason, model)


@dataclass
class Page:
    entries: list[Entry]
    next_cursor: Cursor | None


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _case_model() -> type[models.Model]:
    return Case


def _case_field(tracked: type[models.Model]) -> models.Field | None:
    """The foreign key to Case of a tracked model, if it has one."""
    case = _case_model()
    for f in tracked._meta.concrete_fields:
        if f.is_relation and f.related_model is case and f.name == "case":
            return f
    return None


def _scoped(model: type[models.Model], query: AuditQuery) -> models.QuerySet | None:
    tracked = model.instance_type
    pk = tracked._meta.pk.attname
    if query.model_label and _label(tracked) != query.model_label:
        return None
    rows = model._default_manager.all()
    if query.case_id is not None:
        if tracked is _case_model():
            rows = rows.filter(**{pk: query.case_id})
        elif (case_field := _case_field(tracked)) is not None:
            rows = rows.filter(**{case_field.attname: query.case_id})
        else:
            return None
    if query.object_id is not None:
        rows = rows.filter(**{pk: query.object_id})
    if query.user_id is not None:
        rows = rows.filter(history_user_id=query.user_id)
    if query.action:
        rows = rows.filter(history_type=query.action)
    if query.since is not None:
        rows = rows.filter(history_date__gte=query.since)
    if query.until is not None:
        rows = rows.filter(history_date__lt=query.until)
    return rows


def _older_than(label: str, cursor: Cursor) -> Q:
    if label < cursor.label:
        return Q(history_date__lte=cursor.date)
    if label > cursor.label:
        return Q(history_date__lt=cursor.date)
    return Q(history_date__lt=cursor.date) | Q(
        history_date=cursor.date, history_id__lt=cursor.history_id
    )


def page_keys(
    query: AuditQuery, *, after: Cursor | None = None, size: int = 50
) -> list[tuple[str, int]]:
    """(history model label, history id) of the page's rows, newest first: one query.

    Built by hand because Django will not put a LIMIT inside the parts of a UNION on SQLite."""
    parts, params = [], []
    for model in history_models():
        rows = _scoped(model, query)
        if rows is None:
            continue
        label = _label(model)
        if after is not None:
            rows = rows.filter(_older_than(label, after))
        rows = (
            rows.annotate(audit_table=Value(label, output_field=CharField()))
            .values_list("audit_table", "history_id", "history_date")
            .order_by("-history_date", "-history_id")[:size]
        )
        sql, part_params = rows.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS audit_part{len(parts)}")
        params.extend(part_params)
    if not parts:
        return []
    sql = (
        "SELECT audit_table, history_id FROM ("
        + " UNION ALL ".join(parts)
        + ") AS audit_union ORDER BY history_date DESC, audit_table DESC, history_id DESC "
        + "LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, size])
        return [(label, int(history_id)) for label, history_id in cursor.fetchall()]


def audit_page(
    query: AuditQuery, *, after: Cursor | None = None, size: int = 50, links: bool = True
) -> Page:
    keys = page_keys(query, after=after, size=size + 1)
    more = len(keys) > size
    entries = load_entries(keys[:size], links=links)
    next_cursor = None
    if more and entries:
        last = entries[-1]
        next_cursor = Cursor(last.date, last.table, last.history_id)
    return Page(entries=entries, next_cursor=next_cursor)


def iter_entries(query: AuditQuery, *, batch: int = 500) -> Iterator[Entry]:
    """Every matching entry, newest first, a keyset page at a time (for the export: without
    links to the objects)."""
    after = None
    while True:
        page = audit_page(query, after=after, size=batch, links=False)
        yield from page.entries
        if page.next_cursor is None:
            return
        after = page.next_cursor


# --- from keys to readable entries -----------------------------------------------------------


@functools.cache
def _tracked_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f for f in model.tracked_fields if not getattr(f, "auto_now", False) and not f.primary_key
    ]


@functools.cache
def _field_label(f: models.Field, language: str | None) -> str:
    return str(capfirst(f.verbose_name))


@functools.cache
def _m2m_history(model: type[models.Model]) -> dict[str, type[models.Model]]:
    return m2m_history_models(model)


@functools.cache
def _admin_url_name(model: type[models.Model]) -> str | None:
    if model not in admin.site._registry:
        return None
    return f"admin:{model._meta.app_label}_{model._meta.model_name}_change"


def _m2m_target(m2m_model: type[models.Model], tracked: type[models.Model]):
    """The field of a many-to-many history row that names the other side."""
    for f in m2m_model._meta.concrete_fields:
        if f.is_relation and f.name != "history" and f.related_model is not tracked:
            return f
    for f in m2m_model._meta.concrete_fields:  # a many-to-many onto the same model
        if f.is_relation and f.name != "history" and f.name.startswith("to_"):
            return f
    return None


class _Labels:
    """Readable names of referenced objects, one query per model."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set] = defaultdict(set)
        self.found: dict[tuple[type[models.Model], object], str] = {}

    def want(self, model: type[models.Model], pk) -> None:
        if pk is not None:
            self.wanted[model].add(pk)

    def load(self) -> None:
        for model, pks in self.wanted.items():
            forward = [
                f.name
                for f in model._meta.concrete_fields
                if f.is_relation and f.many_to_one and f.name not in ("history_user",)
            ]
            for obj in model._base_manager.filter(pk__in=pks).select_related(*forward):
                self.found[(model, obj.pk)] = str(obj)

    def get(self, model: type[models.Model], pk) -> str:
        if pk is None:
            return "—"
        found = self.found.get((model, pk))
        if found is None:
            found = _("%(model)s #%(pk)s (deleted)") % {
                "model": capfirst(model._meta.verbose_name),
                "pk": pk,
            }
        return found


def _object_url(tracked: type[models.Model], row) -> str | None:
    """The object's admin page; else its parent's (e.g. a note's case, a calendar's hours)."""
    try:
        if (name := _admin_url_name(tracked)) is not None:
            return reverse(name, args=[getattr(row, tracked._meta.pk.attname)])
        for f in tracked._meta.concrete_fields:
            if f.is_relation and f.many_to_one and _admin_url_name(f.related_model):
                parent = getattr(row, f.attname)
                if parent is not None:
                    return reverse(_admin_url_name(f.related_model), args=[parent])
    except NoReverseMatch:
        return None
    return None


def load_entries(keys: Iterable[tuple[str, int]], *, links: bool = True) -> list[Entry]:
    by_label: dict[str, list[int]] = defaultdict(list)
    order = []
    for label, history_id in keys:
        by_label[label].append(history_id)
        order.append((label, history_id))
    if not order:
        return []
    models_by_label = {_label(m): m for m in history_models()}
    labels = _Labels()
    rows: dict[tuple[str, int], object] = {}
    previous: dict[tuple[str, int], object] = {}
    m2m_values: dict[tuple[str, int, str], set] = {}

    for label, ids in by_label.items():
        model = models_by_label[label]
        pk = model.instance_type._meta.pk.attname
        before = (
            model._default_manager.filter(**{pk: OuterRef(pk)})
            .filter(
                Q(history_date__lt=OuterRef("history_date"))
                | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
            )
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
        found = list(
            model._default_manager.filter(history_id__in=ids)
            .select_related("history_user")
            .annotate(audit_previous_id=Subquery(before))
        )
        prev_ids = [r.audit_previous_id for r in found if r.audit_previous_id is not None]
        prev_rows = {
            r.history_id: r for r in model._default_manager.filter(history_id__in=prev_ids)
        }
        for r in found:
            rows[(label, r.history_id)] = r
            previous[(label, r.history_id)] = prev_rows.get(r.audit_previous_id)
        all_ids = [*ids, *prev_ids]
        for name, m2m_model in _m2m_history(model).items():
            target = _m2m_target(m2m_model, model.instance_type)
            if target is None:
                continue
            for history_id in all_ids:
                m2m_values[(label, history_id, name)] = set()
            for history_id, value in m2m_model._default_manager.filter(
                history_id__in=all_ids
            ).values_list("history_id", target.attname):
                m2m_values[(label, history_id, name)].add(value)
                labels.want(target.related_model, value)
        for r in [*found, *prev_rows.values()]:
            labels.want(model.instance_type, getattr(r, pk))
            for f in _tracked_fields(model):
                if f.is_relation:
                    labels.want(f.related_model, getattr(r, f.attname))
    labels.load()

    entries = []
    for label, history_id in order:
        row = rows.get((label, history_id))
        if row is None:
            continue
        model = models_by_label[label]
        entry = _entry(model, row, previous[(label, history_id)], labels, m2m_values)
        if links:
            entry.url = _object_url(model.instance_type, row)
        entries.append(entry)
    return entries


def _entry(model, row, prev, labels: _Labels, m2m_values) -> Entry:
    tracked = model.instance_type
    label = _label(model)
    changes: list[Change] = []
    if row.history_type in ("+", "~"):
        for f in _tracked_fields(model):
            new = getattr(row, f.attname)
            old = getattr(prev, f.attname) if prev is not None else None
            if prev is None and row.history_type == "~":
                continue  # the earlier version was purged: nothing to compare with
            if row.history_type == "+" and new in (None, ""):
                continue
            if row.history_type == "~" and old == new:
                continue
            if is_secret(f):
                old_text, new_text = ("***" if old else "—"), ("***" if new else "—")
            elif f.is_relation:
                old_text = labels.get(f.related_model, old) if old is not None else "—"
                new_text = labels.get(f.related_model, new) if new is not None else "—"
            else:
                old_text, new_text = plain_value(f, old), plain_value(f, new)
            if row.history_type == "+":
                old_text = ""
            changes.append(Change(_field_label(f, get_language()), old_text, new_text))
        for name, m2m_model in _m2m_history(model).items():
            target = _m2m_target(m2m_model, tracked)
            if target is None:
                continue
            new_set = m2m_values.get((label, row.history_id, name), set())
            old_set = (
                m2m_values.get((label, prev.history_id, name), set()) if prev is not None else set()
            )
            if new_set == old_set or (prev is None and row.history_type == "~"):
                continue
            f = tracked._meta.get_field(name)

            def names(values, target=target):
                return ", ".join(sorted(labels.get(target.related_model, v) for v in values)) or "—"

            changes.append(
                Change(
                    _field_label(f, get_language()),
                    "" if row.history_type == "+" else names(old_set),
                    names(new_set),
                )
            )
    user = row.history_user
    object_pk = getattr(row, tracked._meta.pk.attname)
    return Entry(
        date=row.history_date,
        action=row.history_type,
        user_id=row.history_user_id,
        user=str(user) if user is not None else "—",
        model=str(capfirst(tracked._meta.verbose_name)),
        model_label=_label(tracked),
        object_id=object_pk,
        object=labels.get(tracked, object_pk),
        url=None,
        reason=row.history_change_reason or "",
        changes=changes,
        table=label,
        history_id=row.history_id,
    )
