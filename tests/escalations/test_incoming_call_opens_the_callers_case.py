"""An incoming call (``case/call/?number=…``, the CTI's screen pop): the caller's one open case
opens at once, whatever way the number is written; otherwise the callers found, with their
open cases and a new-case link for each; an unknown number offers a new customer; a number too
short is a 400 that says why; a case one may not see is neither opened nor listed."""

import pytest
from django.urls import reverse

from escalations import services
from tests.factories import CustomerFactory, make_case

URL = reverse("admin:escalations_case_call")


@pytest.fixture
def abe(db):
    return CustomerFactory(name="阿部 真理", furigana="あべ まり", phone="080-7289-6413")


def open_case(owner, customer):
    return services.case_start_work(case=make_case(owner=owner, customer=customer), actor=owner)


@pytest.mark.parametrize(
    "number", ["08072896413", "080-7289-6413", "０８０－７２８９－６４１３", "+81 80 7289 6413"]
)
def test_the_callers_one_open_case_opens_at_once(client, org, operator, abe, number):
    case = open_case(operator, abe)
    client.force_login(operator)
    response = client.get(URL, {"number": number})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:escalations_case_change", args=[case.pk])


def test_a_caller_with_no_open_case_is_offered_a_new_one(
    client, org, operator, abe, django_assert_max_num_queries
):
    done = open_case(operator, abe)
    services.case_resolve(case=done, actor=operator, resolution="案内済み", close=True)
    client.force_login(operator)
    client.get(URL, {"number": "08072896413"})
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"number": "08072896413"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "阿部 真理" in page and done.reference not in page
    new_case = f"{reverse('admin:escalations_case_add')}?customer={abe.pk}&amp;channel=phone"
    assert new_case in page


def test_two_open_cases_are_listed_to_choose(client, org, operator, abe):
    first, second = open_case(operator, abe), open_case(operator, abe)
    client.force_login(operator)
    response = client.get(URL, {"number": "080 7289 6413"})
    assert response.status_code == 200
    page = response.content.decode()
    assert first.reference in page and second.reference in page


def test_an_unknown_number_offers_a_new_customer(client, org, operator):
    client.force_login(operator)
    response = client.get(URL, {"number": "03-9999-0000"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "03-9999-0000" in page
    assert reverse("admin:escalations_customer_add") + "?phone=03-9999-0000" in page


@pytest.mark.parametrize("number", ["", "12", "abc"])
def test_a_number_too_short_is_a_400_that_says_why(client, org, operator, number):
    client.force_login(operator)
    response = client.get(URL, {"number": number})
    assert response.status_code == 400
    assert "電話番号" in response.content.decode()


def test_a_case_one_may_not_see_is_neither_opened_nor_listed(client, org, operator, outsider, abe):
    case = open_case(operator, abe)
    client.force_login(outsider)
    response = client.get(URL, {"number": "08072896413"})
    assert response.status_code == 200
    page = response.content.decode()
    assert case.reference not in page and case.subject not in page
