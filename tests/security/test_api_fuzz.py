"""schemathesis against ``/api/v1/openapi.json``, signed in as an owner: no operation answers 5xx.

The app is called in-process through WSGI (no network, no server); every generated request runs in a
rolled-back savepoint so that one example's writes cannot change the next. Examples are bounded so the
whole run stays under a minute.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, Phase, settings

from tests.security.conftest import rolled_back
from tests.security.test_authorization_matrix import KWARGS, fill
from tests.security.world import World

pytestmark = pytest.mark.django_db

application = get_wsgi_application()
# ``MESOCLINIC_FUZZ_EXAMPLES=25 MESOCLINIC_FUZZ_CHECKS=all`` runs a few thousand cases with every check that
# matters (no server error, invalid requests refused, answers matching the schema); the suite's default is
# a quick pass for server errors.
EXAMPLES = int(os.environ.get("MESOCLINIC_FUZZ_EXAMPLES", "5"))
CHECKS = [schemathesis.checks.not_a_server_error]
if os.environ.get("MESOCLINIC_FUZZ_CHECKS") == "all":
    CHECKS += [schemathesis.checks.negative_data_rejection, schemathesis.checks.response_schema_conformance]


def _config() -> schemathesis.Config:
    """Valid and invalid inputs, a few of each per operation; the exhaustive coverage phase is left out."""
    config = schemathesis.Config()
    config.projects.default.phases.update(phases=["examples", "fuzzing"])
    config.projects.default.generation.update(max_examples=EXAMPLES, deterministic=True, no_shrink=False)
    return config


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=_config())


@pytest.fixture(scope="module")
def owner_headers(world: World) -> dict[str, str]:
    """A signed-in owner's session cookie and a CSRF token (the WSGI app, unlike the test client, checks it)."""
    return {
        "sessionid": world.client("owner").cookies["sessionid"].value,
        "csrftoken": _get_new_csrf_string(),
    }


@contextmanager
def in_test_transaction() -> Iterator[None]:
    """Keep the connection (and the test's transaction) across a WSGI request, as the test client does.

    The WSGI handler closes connections at the end of each request; this is per call, not per module, because
    Django's test client reconnects the handler after each of its own requests.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with rolled_back():
            yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_answers_a_server_error(case: Any, world: World, owner_headers: dict[str, str]) -> None:
    # Whole-number ids become clinic A's real objects, so handlers run past their 404 on generated data.
    for name, value in (case.path_parameters or {}).items():
        if name in KWARGS and isinstance(value, int):
            case.path_parameters[name] = fill(world, name)
        elif name == "clinic":  # the public booking API: clinic A's slug, so handlers run past their 404
            case.path_parameters[name] = world.clinic.slug
    with in_test_transaction():
        case.call_and_validate(
            headers={"X-CSRFToken": owner_headers["csrftoken"]},
            cookies=owner_headers,
            checks=CHECKS,
        )


def test_the_fuzzer_reaches_the_public_api(world: World) -> None:
    """The control for the public booking API: with clinic A's slug its offerings answer 200."""
    case = schema["/api/v1/public/{clinic}/offerings"]["GET"].Case(
        path_parameters={"clinic": world.clinic.slug}
    )
    with in_test_transaction():
        response = case.call()
    assert response.status_code == 200
    assert {"clinic", "locations", "treatments", "questions"} <= set(response.json())


def test_the_fuzzer_is_signed_in(world: World, owner_headers: dict[str, str]) -> None:
    """The control: with these cookies a plain list answers 200, so the run above reached the handlers."""
    case = schema["/api/v1/patients"]["GET"].Case()
    with in_test_transaction():
        response = case.call(headers={"X-CSRFToken": owner_headers["csrftoken"]}, cookies=owner_headers)
    assert response.status_code == 200
    assert any(patient["family_name"] == "Quexalpha" for patient in response.json()["items"])
