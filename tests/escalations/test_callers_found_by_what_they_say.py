"""A caller is found by what they say and what the CTI sends: the phone number in any form
(digits, hyphens, spaces, full-width, +81) or a part of it, the reading in hiragana, katakana or
half-width kana, or its start; in the admin's customer and case searches, the customer
autocomplete and the API."""

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import User
from escalations import services
from escalations.lookup import customer_lookup_q, phone_key, reading_key
from escalations.models import Customer
from tests.factories import CustomerFactory, make_case

INPUTS = [
    "08072896413",
    "080-7289-6413",
    "０８０−７２８９−６４１３",
    "+81 80 7289 6413",
    "+81-80-7289-6413",
    "080 7289 6413",
    "080-7289",
    "7289",
    "あべ",
    "アベ",
    "ｱﾍﾞ",
    "ｱﾍﾞ ﾏｵ",
    "あ",
]


@pytest.fixture
def caller(db):
    return CustomerFactory(name="阿部 真央", furigana="あべ まお", phone="080-7289-6413")


@pytest.fixture
def someone_else(db):
    return CustomerFactory(name="佐藤 次郎", furigana="さとう じろう", phone="03-5555-1234")


def test_keys_are_the_same_whatever_the_form():
    assert {phone_key(p) for p in INPUTS[:6]} == {"8072896413"}
    assert {reading_key(r) for r in ["あべ", "アベ", "ｱﾍﾞ", "ア ベ", "あ　べ"]} == {"アベ"}
    assert phone_key("") == "" and reading_key("") == ""


def test_the_keys_are_set_when_a_customer_is_registered(operator):
    customer = services.customer_create(
        actor=operator, name="阿部 真央", furigana="ｱﾍﾞ ﾏｵ", phone="０８０−７２８９−６４１３"
    )

    customer.refresh_from_db()
    assert (customer.phone_digits, customer.furigana_key) == ("8072896413", "アベマオ")


@pytest.mark.parametrize("term", INPUTS)
def test_the_lookup_finds_the_caller(term, caller, someone_else):
    found = Customer.objects.filter(customer_lookup_q(term))

    assert list(found) == [caller]


@pytest.mark.parametrize("term", ["090-0000-0000", "いとう", "", "   "])
def test_the_lookup_finds_nobody_for_another_number_or_reading(term, caller, someone_else):
    assert list(Customer.objects.filter(customer_lookup_q(term))) == []


@pytest.mark.parametrize("term", INPUTS)
def test_the_admin_customer_search_finds_the_caller(term, client, operator, caller, someone_else):
    client.force_login(operator)

    response = client.get(reverse("admin:escalations_customer_changelist"), {"q": term})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [caller]


@pytest.mark.parametrize("term", INPUTS)
def test_the_admin_case_search_finds_the_callers_case(
    term, client, org, operator, caller, someone_else
):
    mine = make_case(owner=operator, customer=caller)
    make_case(owner=operator, customer=someone_else)
    client.force_login(operator)

    response = client.get(reverse("admin:escalations_case_changelist"), {"q": term})

    assert response.status_code == 200
    assert [c.pk for c in response.context["cl"].result_list] == [mine.pk]


@pytest.mark.parametrize("term", INPUTS)
def test_the_customer_autocomplete_finds_the_caller(term, client, operator, caller, someone_else):
    client.force_login(operator)

    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "escalations",
            "model_name": "case",
            "field_name": "customer",
            "term": term,
        },
    )

    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [str(caller.pk)]


def test_the_admin_save_sets_the_keys(client, caller):
    admin = User.objects.create_superuser("root", password="x")
    client.force_login(admin)

    response = client.post(
        reverse("admin:escalations_customer_change", args=[caller.pk]),
        {"name": caller.name, "furigana": "ｲﾄｳ", "phone": "+81 3 1234 5678", "email": ""},
    )

    assert response.status_code == 302, response.content
    caller.refresh_from_db()
    assert (caller.phone_digits, caller.furigana_key) == ("312345678", "イトウ")


@pytest.mark.postgres
def test_the_lookups_use_an_index_at_100000_customers(db):
    Customer.objects.bulk_create(
        [
            Customer(
                name=f"顧客 {n}",
                furigana=f"こきゃく {n}",
                phone=f"090-{n // 10000:04d}-{n % 10000:04d}",
                phone_digits=phone_key(f"090-{n // 10000:04d}-{n % 10000:04d}"),
                furigana_key=reading_key(f"こきゃく{n}"),
            )
            for n in range(100_000)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        # every row in ANALYZE's sample (300 x the target): the estimates, and so the plans,
        # do not depend on which rows a smaller sample happened to take (seen to flip under load)
        cursor.execute("SET LOCAL default_statistics_target = 1000")
        cursor.execute("ANALYZE escalations_customer")

    # A fragment that ~1 % of the customers match ("7289", "こきゃく12") may fairly be read by a
    # sequential scan when ANALYZE's sample estimates ~1,000 rows: the planner's choice between the
    # two then depends on the sample and was seen to flip under load. For those the test asserts
    # that the index CAN serve the lookup (sequential scans priced out, SET LOCAL inside the test's
    # transaction); the selective lookups must be chosen by the planner on its own.
    plans = {
        term: Customer.objects.filter(customer_lookup_q(term)).explain()
        for term in ["090-0007-2896", "ｺｷｬｸ999"]
    }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plans |= {
        term: Customer.objects.filter(customer_lookup_q(term)).explain()
        for term in ["7289", "こきゃく12"]
    }

    for term, plan in plans.items():
        assert "Seq Scan" not in plan, (term, plan)
        assert "customer_phone_digits_trgm" in plan or "customer_furigana_key_idx" in plan, plan
