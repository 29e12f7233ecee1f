"""Resolving a case indexes its question (subject, description, handoff) with the answer, so the
next similar case finds it; only people who may see the case find it."""

import pytest

from escalations import services
from knowledge.search import search
from tests.factories import HANDOFF, make_case


@pytest.fixture
def answered_and_resolved(case, operator, supervisor):
    """The fixture case (請求額が違う) escalated, answered by the SV and resolved."""
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    services.case_return_to_owner(case=case, actor=supervisor, answer="日割り計算の差額です")
    services.case_resolve(case=case, actor=operator, resolution="日割りの説明で納得いただいた")
    return case


def case_hits(query, user):
    return [hit for hit in search(query, user=user) if hit.kind == "case"]


def test_a_resolved_case_is_found_with_its_answer(answered_and_resolved, operator):
    hits = case_hits("請求額が契約と違う", operator)

    assert [hit.pk for hit in hits] == [answered_and_resolved.pk]
    assert "日割り計算の差額です" in hits[0].answer
    assert "日割りの説明で納得いただいた" in hits[0].answer


def test_the_handoff_question_is_searched(answered_and_resolved, operator):
    assert [hit.pk for hit in case_hits("返金", operator)] == [answered_and_resolved.pk]


def test_an_open_case_is_not_found(case, operator):
    assert case_hits("請求額", operator) == []


def test_a_reopened_case_is_not_found_until_resolved_again(answered_and_resolved, operator):
    services.case_reopen(case=answered_and_resolved, actor=operator, reason="再度の問い合わせ")
    assert case_hits("請求額", operator) == []
    services.case_resolve(case=answered_and_resolved, actor=operator, resolution="再説明")
    assert len(case_hits("請求額", operator)) == 1


def test_cases_are_found_only_by_who_may_see_them(answered_and_resolved, outsider, manager):
    assert case_hits("請求額", outsider) == []
    assert len(case_hits("請求額", manager)) == 1


def test_cases_can_be_left_out(answered_and_resolved, operator):
    assert search("請求額", user=operator, include_cases=False) == []


def test_a_search_with_cases_takes_seven_queries(
    answered_and_resolved, operator, django_assert_num_queries
):
    make_case(owner=operator, subject="別件")
    # the synonym dictionary; articles: frequencies, postings (none); cases: frequencies,
    # postings, documents, which of them the user may see (the user's teams: kept per process)
    with django_assert_num_queries(7):
        search("請求額", user=operator)
