"""The callback time takes what an operator types during a call, in Japan time: ``15:00``
(today), ``2026/12/01 15:00``, ``12/1 15時``, full-width digits, what the date-time picker
sends; anything else is a clear form error, never a 500."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from escalations.hold.forms import CallbackPromiseForm
from escalations.hold.when import parse_local_time

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)  # Tuesday 1 December, 10:00 in Tokyo


def tokyo(month, day, hour, minute=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("15:00", tokyo(12, 1, 15)),
        ("9:05", tokyo(12, 1, 9, 5)),
        ("15時", tokyo(12, 1, 15)),
        ("15時30分", tokyo(12, 1, 15, 30)),
        ("15時半", tokyo(12, 1, 15, 30)),
        ("１５：００", tokyo(12, 1, 15)),
        ("１５時", tokyo(12, 1, 15)),
        (" 15:00 ", tokyo(12, 1, 15)),
        ("2026/12/01 15:00", tokyo(12, 1, 15)),
        ("2026-12-01 15:00", tokyo(12, 1, 15)),
        ("2026-12-01 15:00:00", tokyo(12, 1, 15)),
        ("2026-12-01T15:00", tokyo(12, 1, 15)),  # the date-time picker
        ("２０２６／１２／０１　１５：００", tokyo(12, 1, 15)),
        ("2026年12月1日 15時", tokyo(12, 1, 15)),
        ("12/1 15時", tokyo(12, 1, 15)),
        ("12/2 9:30", tokyo(12, 2, 9, 30)),
        ("12月2日 9時", tokyo(12, 2, 9)),
        ("12/2(水) 9:30", tokyo(12, 2, 9, 30)),
        ("1/5 10:00", tokyo(1, 5, 10, year=2027)),  # no year: the next 5 January
        ("11/30 10:00", tokyo(11, 30, 10, year=2027)),
    ],
)
def test_a_typed_time_is_read_in_japan_time(typed, meant):
    assert parse_local_time(typed, now=NOW) == meant


@pytest.mark.parametrize(
    "typed",
    ["", "tomorrow", "15", "25:00", "15:61", "13/1 15:00", "2/30 10:00", "12/1", "15:00 pm", "あ"],
)
def test_garbage_is_not_a_time(typed):
    assert parse_local_time(typed, now=NOW) is None


def test_the_form_says_what_it_expects():
    with time_machine.travel(NOW, tick=False), translation.override("ja"):
        typed = {"number": "090", "window_start": "あした", "window_end": "15時"}
        form = CallbackPromiseForm(typed)
        assert not form.is_valid()
        assert "15:00" in form.errors["window_start"][0]
        assert form.cleaned_data["window_end"] == tokyo(12, 1, 15)


def test_the_page_offers_a_date_time_picker_and_refuses_garbage_with_a_form_error(
    client, org, operator
):
    from tests.factories import make_case

    case = make_case(owner=operator)
    client.force_login(operator)
    url = reverse("admin:escalations_case_callback", args=[case.pk])
    with time_machine.travel(NOW, tick=False):
        page = client.get(url)
        refused = client.post(url, {"number": "090", "window_start": "%%", "window_end": "x"})
    assert page.status_code == 200
    assert 'type="datetime-local"' in page.content.decode()
    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"window_start", "window_end"}
