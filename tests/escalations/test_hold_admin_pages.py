"""The admin, in Japanese and in English: the operator escalates with the customer on hold; the
supervisor's "waiting for me" list shows the held cases of their teams, longest hold first, with
the minutes on hold; the case page tells the operator to offer a callback once the hold target
is missed; the hold is ended, a callback promised and kept, each from its page."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from escalations import services
from escalations.models import Callback, CallbackStatus, Escalation, HoldOutcome
from escalations.services.sla_sweep import sla_sweep
from tests.escalations.hold_setup import MIN, SATURDAY_EVENING, hold_policy
from tests.factories import HANDOFF, make_case

START = SATURDAY_EVENING
LANGS = [
    (
        "ja",
        {"badge": "保留中 3分", "offer": "お客様に折り返しをご提案ください", "end": "保留を終了"},
    ),
    ("en", {"badge": "On hold 3 min", "offer": "Offer the customer a callback", "end": "End hold"}),
]


@pytest.fixture
def policy(org):
    return hold_policy()


def held_case(operator, *, at):
    with time_machine.travel(at, tick=False):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
        services.case_escalate(
            case=case, actor=operator, reason="complaint", handoff=HANDOFF, on_hold=True
        )
    return case


def test_the_operator_puts_the_customer_on_hold_from_the_escalate_page(
    client, policy, case, operator
):
    client.force_login(operator)
    url = reverse("admin:escalations_case_transition", args=[case.pk, "escalate"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
    assert "お客様保留中" in page.content.decode()

    response = client.post(
        url,
        {
            "expected_status": case.status,
            "reason": "complaint",
            "customer_wants": "返金",
            "tried": "説明",
            "mood": "angry",
            "on_hold": "on",
        },
    )

    assert response.status_code == 302
    assert Escalation.objects.get(case=case).is_on_hold


@pytest.mark.parametrize(("lang", "text"), LANGS, ids=["ja", "en"])
def test_waiting_for_me_lists_the_longest_hold_first(
    client, policy, operator, supervisor, outsider, lang, text
):
    newer = held_case(operator, at=START + MIN)
    older = held_case(operator, at=START)
    not_held = services.case_start_work(case=make_case(owner=operator), actor=operator)
    client.force_login(supervisor)

    with time_machine.travel(START + 3 * MIN + 30 * dt.timedelta(seconds=1), tick=False):
        response = client.get(
            reverse("admin:escalations_case_changelist"),
            {"on_hold": "mine"},
            HTTP_ACCEPT_LANGUAGE=lang,
        )

    rows = list(response.context["cl"].result_list)
    assert [c.pk for c in rows] == [older.pk, newer.pk]
    assert not_held.pk not in [c.pk for c in rows]
    assert text["badge"] in response.content.decode()  # the older one: 3 min 30 s


def test_waiting_for_me_shows_nothing_of_other_teams(client, policy, operator, outsider):
    held_case(operator, at=START)
    client.force_login(outsider)  # another L1 team: neither the case's team nor the target

    response = client.get(reverse("admin:escalations_case_changelist"), {"on_hold": "mine"})

    assert list(response.context["cl"].result_list) == []


@pytest.mark.parametrize(("lang", "text"), LANGS, ids=["ja", "en"])
def test_the_case_page_tells_the_operator_to_offer_a_callback(client, policy, operator, lang, text):
    case = held_case(operator, at=START)
    client.force_login(operator)
    url = reverse("admin:escalations_case_change", args=[case.pk])
    before = client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    with time_machine.travel(START + 2 * MIN, tick=False):
        sla_sweep()

    after = client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode()

    assert text["offer"] not in before and 'id="hold-waiting"' in before
    assert text["offer"] in after and text["end"] in after


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_end_hold_promise_and_keep_a_callback_from_the_admin(client, policy, operator, lang):
    case = held_case(operator, at=START)
    client.force_login(operator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    end_url = reverse("admin:escalations_case_hold_end", args=[case.pk])

    with time_machine.travel(START + 2 * MIN, tick=False):
        refused = client.post(end_url, {})
        ended = client.post(end_url, {"outcome": HoldOutcome.CALLBACK})
    assert refused.status_code == 200 and refused.context["form"].errors
    callback_url = reverse("admin:escalations_case_callback", args=[case.pk])
    assert ended.status_code == 302 and ended["Location"] == callback_url
    hop = Escalation.objects.get(case=case)
    assert (hop.hold_outcome, hop.hold_duration) == (HoldOutcome.CALLBACK, 2 * MIN)

    with time_machine.travel(START + 3 * MIN, tick=False):
        past = client.post(
            callback_url,
            {"number": "090", "window_start": "2026-06-13 10:00", "window_end": "2026-06-13 11:00"},
        )
        promised = client.post(
            callback_url,
            {
                "number": "090-1",
                "window_start": "2026-06-13 21:00",
                "window_end": "2026-06-13 22:00",
            },
        )
    assert past.status_code == 200 and "window_end" in past.context["form"].errors
    assert promised.status_code == 302
    callback = Callback.objects.get(case=case)
    assert callback.due_at == START + 2 * 60 * MIN

    page = client.get(reverse("admin:escalations_case_change", args=[case.pk])).content.decode()
    keep_url = reverse("admin:escalations_case_callback_keep", args=[case.pk, callback.pk])
    miss_url = reverse("admin:escalations_case_callback_miss", args=[case.pk, callback.pk])
    assert keep_url in page and miss_url in page and "090-1" in page
    with time_machine.travel(START + 65 * MIN, tick=False):
        kept = client.post(keep_url, {"outcome": "解決"})
    assert kept.status_code == 302
    callback.refresh_from_db()
    assert (callback.status, callback.outcome) == (CallbackStatus.KEPT, "解決")
    page = client.get(reverse("admin:escalations_case_change", args=[case.pk])).content.decode()
    assert keep_url not in page and miss_url not in page  # nothing left to do with it


def test_outsiders_cannot_reach_the_hold_pages(client, policy, operator, outsider):
    case = held_case(operator, at=START)
    client.force_login(outsider)

    for url in (
        reverse("admin:escalations_case_hold_end", args=[case.pk]),
        reverse("admin:escalations_case_callback", args=[case.pk]),
    ):
        assert client.post(url, {"outcome": HoldOutcome.ANSWERED}).status_code == 404
    assert Escalation.objects.get(case=case).is_on_hold
