"""Factories for tests and the demo: build data through the real services where it matters."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group, Permission

from accounts.models import Team, Tier, User
from accounts.roles import sync_roles
from escalations import services
from escalations.models import Category, Customer, EscalationRule
from escalations.priority import Impact, Urgency


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"利用者{n}")
    furigana = factory.Sequence(lambda n: f"りようしゃ{n}")
    is_staff = True
    password = factory.django.Password("pass-for-tests-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            if not Group.objects.filter(name=extracted).exists():
                # transactional tests flush the groups the data migration created
                sync_roles(Group, Permission)
            self.groups.add(Group.objects.get(name=extracted))


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"チーム{n}")
    tier = Tier.L1

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"山田 太郎{n}")
    furigana = factory.Sequence(lambda n: f"やまだ たろう{n}")
    phone = factory.Sequence(lambda n: f"03-1234-{n:04d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        customer = model_class(*args, **kwargs)
        customer.set_lookup_keys()
        customer.save()
        return customer


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"カテゴリ{n}")


class EscalationRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EscalationRule

    target_tier = factory.LazyAttribute(lambda o: o.target_team.tier)
    target_team = factory.SubFactory(TeamFactory, tier=Tier.L2)
    guidance = "SVへ内線で連絡し、引き継ぎを記入してください。"


def make_case(*, owner: User, **kwargs):
    """A case opened by ``owner`` through the real service."""
    defaults = {
        "customer": kwargs.pop("customer", None) or CustomerFactory(),
        "category": kwargs.pop("category", None) or CategoryFactory(name="請求・料金"),
        "subject": "請求額が違う",
        "description": "先月の請求額が契約と違うとのお問い合わせ",
        "impact": Impact.MEDIUM,
        "urgency": Urgency.HIGH,
    }
    defaults.update(kwargs)
    return services.case_create(actor=owner, **defaults)


HANDOFF = services.Handoff(
    customer_wants="返金してほしい", tried="請求明細を確認し説明した", mood="angry"
)


def make_sla_policy(*, always_open: bool = True, acknowledge=None, **kwargs):
    """A default SLA policy on a calendar (24/7 by default, else Mon-Fri 9-12 + 13-18 with
    Japanese holidays), with targets for every priority and every hop."""
    import datetime as dt

    from escalations.models import (
        BusinessCalendar,
        OpeningHours,
        SLAHopTarget,
        SLAPolicy,
        SLAPriorityTarget,
    )

    calendar = BusinessCalendar.objects.create(
        name="24/7" if always_open else "平日 9-18", always_open=always_open
    )
    if not always_open:
        for weekday in range(5):
            OpeningHours.objects.create(
                calendar=calendar, weekday=weekday, start=dt.time(9), end=dt.time(12)
            )
            OpeningHours.objects.create(
                calendar=calendar, weekday=weekday, start=dt.time(13), end=dt.time(18)
            )
    policy = SLAPolicy.objects.create(
        name=kwargs.pop("name", "標準"), calendar=calendar, is_default=True, **kwargs
    )
    for priority, (first, resolution) in {
        1: (15, 240),
        2: (30, 480),
        3: (60, 960),
        4: (120, 2400),
    }.items():
        SLAPriorityTarget.objects.create(
            policy=policy,
            priority=priority,
            first_response=dt.timedelta(minutes=first),
            resolution=dt.timedelta(minutes=resolution),
        )
    for tier, answer in {2: 60, 3: 240, 4: 480}.items():
        SLAHopTarget.objects.create(
            policy=policy,
            to_tier=tier,
            acknowledge=acknowledge or dt.timedelta(minutes=15),
            answer=dt.timedelta(minutes=answer),
        )
    return policy


def change_rules(rules, **fields) -> None:
    """Change escalation rules as the admin does, by ``save()``: the routing kept per process
    (``escalations.selectors.ROUTING``) is read again after a save, not after a
    ``QuerySet.update``."""
    for rule in rules:
        for name, value in fields.items():
            setattr(rule, name, value)
        rule.save()


def absent(user, delegate=None):
    """``user`` marked absent, handing to ``delegate`` (or to nobody)."""
    user.is_absent = True
    user.delegate = delegate
    user.save()
    return user
