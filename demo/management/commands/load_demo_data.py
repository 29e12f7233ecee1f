"""Load realistic Japanese demo data: teams for every tier, a person for every role, the
escalation matrix with its guidance, about 100 customers, 300 cases in every status, the
knowledge base, SLA policies with running timers, holds and callbacks, and reviews due.

Everything is written through the services (``demo/``, one module per
subject). Idempotent: when the demo users exist it creates nothing and prints the logins."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from demo import build as demo
from demo.cases import DEFAULT_CASES, QUOTAS
from demo.organisation import ABSENT, PASSWORD, TEAMS, USERS
from escalations.models import (
    Callback,
    CallbackStatus,
    Case,
    CaseNote,
    CaseStatus,
    Customer,
    Escalation,
    EscalationRule,
)
from knowledge.models import Article, ArticleStatus
from reports.selectors import overdue_reviews

MARKER_USERNAME = "operator"
S = CaseStatus


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when asked for, in the active language
        return _(
            "Load Japanese demo data (teams, one login per role, escalation rules, customers and "
            "about 300 cases in every status) and print the demo logins. Does nothing when the "
            "demo data already exists."
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--cases",
            type=int,
            default=DEFAULT_CASES,
            help=_("About how many cases to create (default: %(default)s)."),
        )
        parser.add_argument(
            "--logins-only", action="store_true", help=_("Only print the demo logins.")
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Load even when DEBUG is off (the demo has a superuser with a known password)."),
        )

    def handle(
        self,
        *args,
        logins_only: bool = False,
        force: bool = False,
        cases: int = DEFAULT_CASES,
        **options,
    ) -> None:
        if logins_only:
            self._print_logins()
            return
        if User.objects.filter(username=MARKER_USERNAME).exists():
            self.stdout.write(
                _("The demo data already exists (user “%(username)s”): nothing created.")
                % {"username": MARKER_USERNAME}
            )
            self._print_logins()
            return
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "DEBUG is off: refusing to create users with a known password. "
                    "Use --force to load the demo data anyway."
                )
            )
        if cases < len(QUOTAS):
            raise CommandError(
                _("Create at least %(count)d cases (one per status).") % {"count": len(QUOTAS)}
            )
        names = [row[0] for row in USERS] + [row[0] for row in TEAMS]
        taken = sorted(
            [*User.objects.filter(username__in=names).values_list("username", flat=True)]
            + [*Team.objects.filter(name__in=names).values_list("name", flat=True)]
        )
        if taken:
            raise CommandError(
                _("Some demo users or teams already exist (%(names)s): use an empty database.")
                % {"names": ", ".join(taken)}
            )
        started = time.monotonic()
        with transaction.atomic():
            demo.build(cases_wanted=cases)
        self._print_summary(time.monotonic() - started)
        self._print_logins()

    def _print_summary(self, seconds: float) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo data created in %(seconds).1f s: %(users)d people, %(teams)d teams, "
                    "%(rules)d escalation rules, %(customers)d customers, %(cases)d cases, "
                    "%(hops)d escalation hops, %(notes)d notes."
                )
                % {
                    "seconds": seconds,
                    "users": len(USERS),
                    "teams": len(TEAMS),
                    "rules": EscalationRule.objects.count(),
                    "customers": Customer.objects.count(),
                    "cases": Case.objects.count(),
                    "hops": Escalation.objects.count(),
                    "notes": CaseNote.objects.count(),
                }
            )
        )
        per_status = dict(Case.objects.values_list("status").annotate(n=Count("pk")))
        self.stdout.write(
            _("Cases by status: %(counts)s")
            % {"counts": ", ".join(f"{s.label} {per_status.get(s.value, 0)}" for s in S)}
        )
        today, now = timezone.localdate(), timezone.now()
        articles = Article.objects.values_list("status").annotate(n=Count("pk"))
        promised = Callback.objects.filter(status=CallbackStatus.PROMISED)
        self.stdout.write(
            _(
                "Knowledge base: %(published)d published articles, %(in_review)d in review. "
                "Callbacks: %(kept)d kept, %(due)d due, %(missed)d missed. Reviews overdue: "
                "%(overdue)d."
            )
            % {
                "published": dict(articles).get(ArticleStatus.PUBLISHED, 0),
                "in_review": dict(articles).get(ArticleStatus.IN_REVIEW, 0),
                "kept": Callback.objects.filter(status=CallbackStatus.KEPT).count(),
                "due": promised.filter(due_at__gte=now).count(),
                "missed": promised.filter(due_at__lt=now).count(),
                "overdue": len(overdue_reviews(today=today)),
            }
        )

    def _print_logins(self) -> None:
        roles = [
            ("operator", "オペレーター", _("Operator (L1): opens and works cases, escalates")),
            (
                "supervisor",
                "SV・スーパーバイザー",
                _("Supervisor (L2): acknowledges and answers escalations, escalates further"),
            ),
            (
                "specialist",
                "専門部署・技術サポート",
                _("Specialist (L3/L4): answers what the tier below cannot"),
            ),
            ("manager", "管理職", _("Manager: reads all cases, the audit history and the SLAs")),
            (
                "admin",
                "システム管理者",
                _("Administrator (superuser): teams, users, categories and escalation rules"),
            ),
        ]
        self.stdout.write(_("Demo logins (the same password for every demo user):"))
        for username, title, duty in roles:
            self.stdout.write(f"  {username:<10} / {PASSWORD}  {title} — {duty}")
        others = []
        for username, role, _name, _kana, _ext, delegate in USERS:
            if username in {row[0] for row in roles}:
                continue
            if username in ABSENT:
                others.append(
                    _("%(username)s (%(role)s, absent: %(delegate)s stands in)")
                    % {"username": username, "role": role, "delegate": delegate}
                )
            else:
                others.append(f"{username} ({role})")
        self.stdout.write(_("Other demo users: %(users)s") % {"users": ", ".join(others)})
