"""Every API request reads its bearer token with the token's account, through SQL compiled once
per process (``kit.compiled.read_one``): what it reads is what the ORM reads, another token is
read by the same SQL, and a token unknown, revoked, expired or of a deactivated account is still
refused once the SQL is kept."""

import datetime as dt

import time_machine
from django.forms.models import model_to_dict
from django.utils import timezone

from integrations.models import ApiToken
from integrations.tokens import digest, token_authenticate, token_revoke
from kit import compiled
from tests.api.conftest import issue_token
from tests.factories import UserFactory

KEPT = ("default", "token_authenticate", ("digest",), ())


def as_read(row: ApiToken):
    return model_to_dict(row), model_to_dict(row.user), row.user.password


def test_the_kept_read_reads_what_the_orm_reads(operator, colleague):
    compiled.forget_reads()
    first, second = issue_token(operator), issue_token(colleague, name="CRM")

    for token in (first, second, first):  # compiled, then kept, then kept
        read = token_authenticate(token)
        orm = ApiToken.objects.select_related("user").get(digest=digest(token))
        assert as_read(read) == as_read(orm)
        assert ApiToken._meta.get_field("user").is_cached(read)

    assert list(compiled._kept_reads) == [KEPT]


def test_a_request_reads_its_token_in_one_query_with_the_sql_kept(
    api, operator, colleague, django_assert_num_queries
):
    compiled.forget_reads()
    client = api(operator)
    assert client.get("/api/v1/me/").status_code == 200  # compiles, writes last_used_at
    other = api(colleague)
    assert other.get("/api/v1/me/").status_code == 200

    with django_assert_num_queries(1) as context:
        response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["username"] == "operator"
    assert "integrations_apitoken" in context.captured_queries[0]["sql"]
    assert list(compiled._kept_reads) == [KEPT]


def test_tokens_that_may_not_be_used_are_refused_with_the_sql_kept(api, operator, colleague):
    compiled.forget_reads()
    admin = UserFactory(username="admin-user", role="administrator")
    usable, revoked, expiring, deactivated = (
        issue_token(operator),
        issue_token(operator, name="CRM"),
        issue_token(operator, name="old", expires_at=timezone.now() + dt.timedelta(hours=1)),
        issue_token(colleague),
    )
    assert api(None, usable).get("/api/v1/me/").status_code == 200
    assert KEPT in compiled._kept_reads

    token_revoke(actor=admin, token=ApiToken.objects.get(digest=digest(revoked)))
    colleague.is_active = False
    colleague.save()

    assert api(None, "not-a-token-we-issued").get("/api/v1/me/").status_code == 401
    assert api(None, revoked).get("/api/v1/me/").status_code == 401
    assert api(None, deactivated).get("/api/v1/me/").status_code == 401
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, seconds=1)):
        assert api(None, expiring).get("/api/v1/me/").status_code == 401
    assert api(None, usable).get("/api/v1/me/").status_code == 200
