"""The case list keeps its built query per process for each visibility
(``escalations.selectors.visibility_key``) and set of query parameters: what each persona gets,
page after page, is what the one visibility rule (``cases_visible_to``) and the filters give,
and a change of the caller's teams is seen by the next page."""

from escalations import services
from escalations.api.lists import filter_cases
from escalations.selectors import cases_visible_to, visibility_key
from tests.factories import HANDOFF, make_case


def listed(client, query=""):
    references, url = [], f"/api/v1/cases/?page_size=2{query}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        references += [row["reference"] for row in response.json()["results"]]
        url = response.json()["next"]
    return references


def by_the_rule(user, query=None):
    rows = filter_cases(cases_visible_to(user), query or {}, user)
    return list(rows.order_by("-created_at", "-id").values_list("reference", flat=True))


def test_every_persona_gets_what_the_rule_gives_page_after_page(
    api, org, operator, colleague, supervisor, specialist, manager, outsider
):
    for _ in range(3):
        make_case(owner=operator)
        make_case(owner=outsider)
    escalated = services.case_start_work(case=make_case(owner=operator), actor=operator)
    services.case_escalate(case=escalated, actor=operator, reason="complaint", handoff=HANDOFF)
    for user in (operator, colleague, supervisor, specialist, manager, outsider):
        client = api(user)
        for _ in range(2):  # built, then kept
            assert listed(client) == by_the_rule(user), user
            assert listed(client, "&mine=owner") == by_the_rule(user, {"mine": "owner"}), user
            assert listed(client, "&status=escalated") == by_the_rule(
                user, {"status": ["escalated"]}
            ), user


def test_a_new_team_is_seen_by_the_next_list(api, org, operator, outsider, other_l1_team, manager):
    theirs = make_case(owner=outsider)
    client = api(operator)
    before = visibility_key(operator)
    assert theirs.reference not in listed(client)

    other_l1_team.members.add(operator)
    assert visibility_key(operator) != before
    assert theirs.reference in listed(client)
    assert listed(client) == by_the_rule(operator)

    assert visibility_key(manager) == ("all",)
    assert theirs.reference in listed(api(manager))
