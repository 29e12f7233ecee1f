"""``kit.compiled.KeptQuery``: a slice compiled once per process and key reads the same rows
(names, values, types after Django's converters) as the queryset itself, first and kept."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalations.api.case_answers import CASE_VALUES
from escalations.models import Case
from kit.compiled import KeptQuery
from tests.factories import make_case


def test_a_kept_slice_reads_what_the_queryset_reads(org, operator, colleague):
    for owner in (operator, colleague, operator):
        make_case(owner=owner)
    rows = Case.objects.filter(owner__in=[operator, colleague]).values(*CASE_VALUES)
    kept = KeptQuery(rows, ("test-kept", operator.pk))
    expected = list(rows.order_by("-created_at", "-id")[0:2])
    for _ in range(2):  # compiled, then kept
        with CaptureQueriesContext(connection) as queries:
            got = kept.order_by("-created_at", "-id")[0:2]
        assert got == expected
        assert [type(v) for v in got[0].values()] == [type(v) for v in expected[0].values()]
        assert len(queries) == 1
    assert kept.order_by("created_at", "id")[0:3] == list(rows.order_by("created_at", "id")[0:3])


def test_a_filter_gives_the_queryset_back_and_an_empty_rule_reads_nothing(org, operator):
    make_case(owner=operator)
    rows = Case.objects.values(*CASE_VALUES)
    kept = KeptQuery(rows, ("test-kept-filter",))
    assert list(kept.order_by("-id").filter(pk__gt=0)[0:5]) == list(rows.order_by("-id")[0:5])

    nothing = KeptQuery(Case.objects.filter(pk__in=[]).values(*CASE_VALUES), ("test-kept-none",))
    with CaptureQueriesContext(connection) as queries:
        assert nothing.order_by("-id")[0:5] == []
        assert nothing.order_by("-id")[0:5] == []
    assert len(queries) == 0
