"""Property-based: schemathesis generates requests for every operation from the served
OpenAPI schema, valid ones and invalid ones, and sends them in-process (WSGI) as an operator
with a token. Every check of schemathesis runs (``--checks all``; ``schemathesis.toml`` says
which 400s a schema-valid request may get): no 5xx, no undocumented status code, content type or
header, no response breaking its schema, invalid data refused, valid data accepted.

Half the generated path references are swapped for real cases, so that the success paths and
the 409s are exercised too, not only 404s. Examples are limited and derandomized: this runs in
seconds in CI."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from escalations import services
from tests.api.conftest import issue_token
from tests.factories import HANDOFF, make_case

EXAMPLES_PER_OPERATION = 6  # per generation mode: the whole run stays well under a minute


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through Django's WSGI handler, not its test client: keep the handler from
    closing the test's database connection at the end of each request (as the client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def references(case, operator, supervisor):
    escalated = services.case_start_work(case=make_case(owner=operator), actor=operator)
    services.case_escalate(case=escalated, actor=operator, reason="complaint", handoff=HANDOFF)
    return [case.reference, escalated.reference]


def test_no_generated_request_breaks_the_api_or_its_schema(references, operator):
    headers = {"Authorization": f"Bearer {issue_token(operator)}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            check(operation, mode, references, headers)


def check(operation, mode, references, headers):
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(generation_mode=mode),
        real=st.sampled_from([None, *references]),
    )
    def run(case, real):
        if real is not None and "reference" in (case.path_parameters or {}):
            case.path_parameters["reference"] = real
        response = case.call(headers=headers)
        case.validate_response(response, headers=headers)  # every check

    run()
