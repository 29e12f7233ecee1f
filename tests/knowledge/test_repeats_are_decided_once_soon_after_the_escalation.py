"""Each escalation from L1 is decided once, by the every-minute check, to repeat an answered
question or not (``knowledge.repeats.check_repeats``): the dashboard counts the decisions.
Billing unless said, from Monday 2026-06-08 10:00 JST."""

import io

import pytest
from django.core.management import CommandError, call_command

from escalations import services
from knowledge import repeats
from knowledge.models import RepeatCheck
from tests.factories import CategoryFactory, make_case
from tests.reports.conftest import at

DAY = 60 * 24
WANTS = "解約したのに今月も月額料金が引き落とされたので返金してほしい"
SAME_IN_OTHER_WORDS = "先月解約したはずなのに月額料金が引き落としされている。返金を希望"


def escalate(operator, wants: str, minute: float, **case):
    with at(minute):
        made = make_case(owner=operator, **case)
        services.case_start_work(case=made, actor=operator)
        services.case_escalate(
            case=made,
            actor=operator,
            reason="knowledge_gap",
            handoff=services.Handoff(customer_wants=wants, tried="規約を案内", mood="calm"),
        )
    return made.escalations.get()


def answer(hop, supervisor, minute: float) -> None:
    with at(minute):
        services.case_return_to_owner(
            case=hop.case,
            actor=supervisor,
            answer="規約第8条",
            reusable=False,
            not_reusable_reason="個別対応",
        )


def decisions() -> dict[int, int | None]:
    return dict(RepeatCheck.objects.values_list("escalation_id", "earlier_id"))


@pytest.fixture
def answered(org, operator, supervisor):
    hop = escalate(operator, WANTS, 0)
    answer(hop, supervisor, 60)
    return hop


def test_a_repeat_names_the_answer_it_repeats_and_the_others_none(answered, operator, supervisor):
    repeat = escalate(operator, SAME_IN_OTHER_WORDS, 5 * DAY)
    other = escalate(operator, "請求書の宛名を会社名に変更して再発行してほしい", 5 * DAY)
    shipping = escalate(operator, WANTS, 5 * DAY, category=CategoryFactory(name="配送"))

    assert repeats.check_repeats() == 4

    assert decisions() == {
        answered.pk: None,
        repeat.pk: answered.pk,
        other.pk: None,
        shipping.pk: None,  # another category
    }
    assert RepeatCheck.objects.get(pk=repeat.pk).similarity >= repeats.THRESHOLD


def test_an_answer_given_after_the_escalation_or_over_30_days_before_does_not_count(
    org, operator, supervisor
):
    first = escalate(operator, WANTS, 0)
    second = escalate(operator, SAME_IN_OTHER_WORDS, 30)  # before the first was answered
    answer(first, supervisor, 60)
    late = escalate(operator, SAME_IN_OTHER_WORDS, 31 * DAY + 120)

    repeats.check_repeats()

    assert decisions() == {first.pk: None, second.pk: None, late.pk: None}


def test_escalating_further_is_not_another_question(answered, operator, supervisor):
    hop = escalate(operator, SAME_IN_OTHER_WORDS, 2 * DAY)
    with at(2 * DAY + 5):
        services.case_acknowledge(case=hop.case, actor=supervisor)
        services.case_escalate(
            case=hop.case,
            actor=supervisor,
            reason="technical_fault",
            handoff=services.Handoff(customer_wants=SAME_IN_OTHER_WORDS, tried="-", mood="calm"),
        )

    repeats.check_repeats()

    assert set(decisions()) == {answered.pk, hop.pk}  # not the hop from L2


def test_checking_again_decides_only_the_new_escalations(answered, operator):
    repeats.check_repeats()
    first = decisions()

    assert repeats.check_repeats() == 0
    later = escalate(operator, SAME_IN_OTHER_WORDS, 3 * DAY)
    assert repeats.check_repeats() == 1

    assert decisions() == {**first, later.pk: answered.pk}


@pytest.mark.parametrize("hops", [1, 6])
def test_the_queries_do_not_grow_with_the_escalations(
    org, operator, supervisor, django_assert_num_queries, hops
):
    for n in range(hops):
        escalate(operator, f"{WANTS} {n}", n)

    # the highest decided id, the dictionary, a batch, its answered candidates, the insert,
    # the next (empty) batch
    with django_assert_num_queries(6):
        assert repeats.check_repeats() == hops


def test_the_command_decides_again_from_a_day(answered, operator, supervisor):
    repeat = escalate(operator, SAME_IN_OTHER_WORDS, 5 * DAY)
    repeats.check_repeats()
    RepeatCheck.objects.filter(pk=repeat.pk).update(earlier=None)  # e.g. decided before a synonym

    out = io.StringIO()
    call_command("check_repeats", "--recheck", "2026-06-10", stdout=out)

    assert decisions() == {answered.pk: None, repeat.pk: answered.pk}
    # the dashboard's rolled-up days counted the old decisions: the command says how to redo them
    assert "rollup_days --start 2026-06-10" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("check_repeats", "--recheck", "10/06/2026")
