"""On PostgreSQL the parameters go apart from the statement (server-side binding) and a
statement run a few times on one connection is prepared: the case list's page query (six joins
and the visibility rule) is then planned once per connection, not on every request."""

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import make_case

pytestmark = pytest.mark.postgres


def prepared_case_pages() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s",
            ['%FROM "escalations_case"%', "%ORDER BY%"],
        )
        (count,) = cursor.fetchone()
    return count


def test_the_list_page_is_prepared_after_a_few_requests(api, org, operator):
    assert settings.DATABASES["default"]["OPTIONS"]["server_side_binding"] is True
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    for _ in range(3):
        make_case(owner=operator)
    client = api(operator)
    assert prepared_case_pages() == 0

    for _ in range(threshold + 1):
        response = client.get("/api/v1/cases/?page_size=2")
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == 2

    assert prepared_case_pages() == 1
    # the next page (a cursor: one condition more) is a statement of its own; the answers of
    # the prepared statement are the same as before
    following = client.get(response.json()["next"])
    assert following.status_code == 200
    assert len(following.json()["results"]) == 1
