"""The API's customer lookup (a CTI sending the number, an operator typing the reading) finds
the caller whatever the form, with a fixed number of queries."""

import pytest

from tests.escalations.test_callers_found_by_what_they_say import INPUTS
from tests.factories import CustomerFactory

# The API's lookup: the token (and its user), the user's permissions (user, groups),
# the count and the page of customers.
API_LOOKUP_QUERIES = 5


@pytest.fixture
def caller(db):
    return CustomerFactory(name="阿部 真央", furigana="あべ まお", phone="080-7289-6413")


@pytest.fixture
def someone_else(db):
    return CustomerFactory(name="佐藤 次郎", furigana="さとう じろう", phone="03-5555-1234")


@pytest.mark.parametrize("term", INPUTS)
def test_the_api_finds_the_caller_by_phone_or_name(
    term, api, operator, caller, someone_else, django_assert_num_queries
):
    client = api(operator)
    param = "phone" if any(ch.isdigit() for ch in term) else "name"

    with django_assert_num_queries(API_LOOKUP_QUERIES):
        response = client.get("/api/v1/customers/", {param: term})

    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [caller.pk]
