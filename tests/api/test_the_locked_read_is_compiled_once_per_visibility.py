"""The API's transitions read the case locked, with the reader's visibility rule, through SQL
compiled once per process and visibility (``kit.compiled.read_one``): what it reads is what the ORM
reads (the case and its six relations), a case the reader may not see is still a 404, and a
reader whose teams changed reads with the rule of their new teams."""

from django.db import transaction
from django.forms.models import model_to_dict

from escalations.api.case_answers import CASE_RELATED
from escalations.models import Case
from escalations.selectors import cases_visible_to, visibility_key
from escalations.services import CASES
from kit import compiled
from tests.api.payloads import PAYLOADS, transition_url
from tests.factories import make_case


def kept_read(user, reference):
    with transaction.atomic():
        return CASES.read_locked(
            lambda: cases_visible_to(user).select_related(*CASE_RELATED),
            kept_as=("test", visibility_key(user)),
            reference=reference,
        )


def as_read(case):
    return model_to_dict(case), {
        name: model_to_dict(getattr(case, name)) if getattr(case, name) else None
        for name in CASE_RELATED
    }


def test_a_kept_read_reads_what_the_orm_reads(case, operator, colleague, org):
    compiled.forget_reads()
    second = make_case(owner=colleague)
    for wanted in (case, second, case):  # compiled, then kept, then kept
        read = kept_read(operator, wanted.reference)
        orm = cases_visible_to(operator).select_related(*CASE_RELATED).get(pk=wanted.pk)
        assert as_read(read) == as_read(orm)
        assert all(Case._meta.get_field(name).is_cached(read) for name in CASE_RELATED)
    assert len(compiled._kept_reads) == 1


def test_a_case_the_reader_may_not_see_is_not_found_by_the_kept_read(
    api, case, operator, outsider, org
):
    compiled.forget_reads()
    theirs = make_case(owner=outsider)
    client = api(operator)
    client.post(transition_url(case, "escalate"), PAYLOADS["escalate"], format="json")

    response = client.post(transition_url(theirs, "start_work"), {}, format="json")

    assert response.status_code == 404
    assert Case.objects.get(pk=theirs.pk).status == theirs.status


def test_a_reader_whose_teams_changed_reads_with_the_new_teams(case, outsider, org):
    compiled.forget_reads()
    assert kept_read(outsider, make_case(owner=outsider).reference)
    before = visibility_key(outsider)

    org["l1"].members.add(outsider)  # now in the operator's team as well

    assert visibility_key(outsider) != before
    assert kept_read(outsider, case.reference).pk == case.pk
