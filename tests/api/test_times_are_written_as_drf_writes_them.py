"""The case answers write their times as DRF's ``DateTimeField`` does (ISO 8601 in the local
time, ``Z`` for UTC), with the time zone read once per answer instead of once per value: the
same text for times in any zone, naive times, times the zone cannot hold, and under another
active zone."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from escalations.api.case_answers import CASE_RELATED, _when, case_row_data, case_rows_data
from escalations.models import Case
from tests.api.payloads import PAYLOADS, transition_url
from tests.factories import make_case

DRF = serializers.DateTimeField()
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")

TIMES = [
    dt.datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 3, 18, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")),
    dt.datetime(2026, 7, 1, 8, 0, tzinfo=NEW_YORK),
    dt.datetime(2026, 3, 8, 2, 30, tzinfo=NEW_YORK),  # a time New York skips
    dt.datetime(2026, 12, 3, 9, 30),  # naive: DRF makes it aware in the local time
    dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC),  # past what Tokyo's time can hold
]


@pytest.mark.parametrize("active", ["Asia/Tokyo", "UTC", "America/New_York"])
@pytest.mark.parametrize("value", TIMES, ids=str)
def test_a_time_is_written_as_drf_writes_it(value, active):
    with timezone.override(zoneinfo.ZoneInfo(active)):
        try:
            expected = DRF.to_representation(value)
        except serializers.ValidationError as error:
            with pytest.raises(serializers.ValidationError) as raised:
                _when(value, DRF.default_timezone())
            assert raised.value.detail == error.detail
            return
        assert _when(value, DRF.default_timezone()) == expected
    assert _when(None, zoneinfo.ZoneInfo(active)) is None


def test_the_list_and_a_case_write_their_times_as_drf_does_in_the_active_zone(api, operator, org):
    case = make_case(owner=operator)
    client = api(operator)
    for name in ("start_work", "resolve"):
        response = client.post(transition_url(case, name), PAYLOADS[name], format="json")
        assert response.status_code == 200, response.content
    case.refresh_from_db()
    times = ("created_at", "updated_at", "first_response_at", "resolved_at", "closed_at")

    for zone in (NEW_YORK, zoneinfo.ZoneInfo("Asia/Tokyo")):
        with timezone.override(zone):
            listed = client.get("/api/v1/cases/").json()["results"][0]
            shown = client.get(f"/api/v1/cases/{case.reference}/").json()
            expected = {
                name: None
                if getattr(case, name) is None
                else DRF.to_representation(getattr(case, name))
                for name in times
            }
        assert {name: listed[name] for name in times} == expected
        assert {name: shown[name] for name in times} == expected
    assert expected["resolved_at"] is not None and expected["closed_at"] is None
    assert listed["resolved_at"].endswith("+09:00")


def test_a_page_reads_the_time_zone_once(monkeypatch, operator, org):
    from escalations.api.case_answers import CASE_VALUES

    make_case(owner=operator)
    make_case(owner=operator)
    rows = list(Case.objects.select_related(*CASE_RELATED).values(*CASE_VALUES))
    reads = []
    real = serializers.DateTimeField.default_timezone

    def counted(field):
        reads.append(field)
        return real(field)

    monkeypatch.setattr(serializers.DateTimeField, "default_timezone", counted)

    written = case_rows_data(rows)

    assert len(reads) == 1
    assert written == [case_row_data(row) for row in rows]
