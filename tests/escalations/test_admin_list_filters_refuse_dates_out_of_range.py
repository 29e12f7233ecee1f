"""A date out of range in an admin list's filters (year 1, year 9999 in a time zone that pushes
it past the calendar) is refused — the list again without the filters, with a message, or the
admin's "invalid filter" page — never a 500."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "query",
    [
        "created_at__gte=0001-01-01",
        "created_at__lt=9999-12-31",
        "created_at__gte=0001-01-01+00:00:00",
        "created_at__year=0",
        "created_at__gte=not-a-date",
    ],
)
def test_an_out_of_range_date_filter_is_refused(client, manager, case, query):
    client.force_login(manager)

    response = client.get(reverse("admin:escalations_case_changelist") + "?" + query)

    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        location = response["Location"]
        assert location.endswith("?e=1") or location == reverse("admin:escalations_case_changelist")
