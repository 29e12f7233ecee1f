"""The managers' figures: hold durations (median, p90) per target team and category, and the
share of callbacks kept by their deadline, on the callback list (Japanese and English)."""

import pytest
import time_machine
from django.urls import reverse

from escalations import services
from escalations.hold.selectors import callbacks_kept_on_time, hold_figures, percentile
from escalations.models import HoldOutcome
from escalations.services import callback_keep, callback_promise, hold_end
from tests.escalations.hold_setup import MIN, SATURDAY_EVENING, SEC, hold_policy
from tests.factories import HANDOFF, make_case

START = SATURDAY_EVENING


def test_percentile_is_the_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([1, 2, 3, 4], 0.5) == 2
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile(list(range(1, 11)), 1.0) == 10


@pytest.fixture
def figures(org, operator):
    hold_policy()
    for minutes in (1, 2, 10):
        with time_machine.travel(START, tick=False):
            case = services.case_start_work(case=make_case(owner=operator), actor=operator)
            services.case_escalate(
                case=case, actor=operator, reason="complaint", handoff=HANDOFF, on_hold=True
            )
        with time_machine.travel(START + minutes * MIN, tick=False):
            hold_end(case=case, actor=operator, outcome=HoldOutcome.ANSWERED)
    with time_machine.travel(START, tick=False):
        promises = [
            callback_promise(
                case=case,
                actor=operator,
                number="090",
                window_start=START + 10 * MIN,
                window_end=START + 20 * MIN,
            )
            for _ in range(2)
        ]
    with time_machine.travel(START + 15 * MIN, tick=False):
        callback_keep(callback=promises[0], actor=operator, outcome="済")


def test_the_figures(figures, django_assert_num_queries):
    with django_assert_num_queries(1):
        [row] = hold_figures()
    assert (row.team, row.category, row.holds) == ("SVチーム", "請求・料金", 3)
    assert (row.median, row.p90) == (2 * MIN, 10 * MIN)
    with django_assert_num_queries(1):
        kept = callbacks_kept_on_time(now=START + 30 * MIN)
    assert kept == {"due": 2, "on_time": 1, "percent": 50.0}
    assert callbacks_kept_on_time(now=START + 5 * MIN)["percent"] is None


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("ja", ["期限内の折り返し: 50.0 %", "2分0秒", "10分0秒"]),
        ("en", ["Callbacks kept on time: 50.0 %", "2 min 0 s", "10 min 0 s"]),
    ],
)
def test_managers_see_them_on_the_callback_list(client, figures, manager, operator, lang, texts):
    client.force_login(manager)
    with time_machine.travel(START + 30 * MIN + SEC, tick=False):
        page = client.get(
            reverse("admin:escalations_callback_changelist"), HTTP_ACCEPT_LANGUAGE=lang
        )
    content = page.content.decode()
    for text in texts:
        assert text in content

    client.force_login(operator)  # operators keep callbacks; the figures are for managers
    assert (
        'id="hold-figures"'
        not in client.get(reverse("admin:escalations_callback_changelist")).content.decode()
    )
