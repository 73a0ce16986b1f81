"""Every paginated API list bounds ``limit`` and ``offset``: out of range is a 422, never a database error."""

from __future__ import annotations

import pytest

from mesoclinic.accounts.models import StaffMember
from mesoclinic.pagination import MAX_LIMIT, MAX_OFFSET
from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        f"limit={MAX_LIMIT + 1}",
        "limit=4934554791609126206471812415488",
        f"offset={MAX_OFFSET + 1}",
        "offset=-1",
    ],
)
def test_out_of_range_paging_is_refused_in_words(owner: StaffMember, query: str) -> None:
    response = client_for(owner).get(f"/api/v1/patients?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] in {"limit", "offset"}


def test_paging_within_range_still_works(owner: StaffMember) -> None:
    response = client_for(owner).get(f"/api/v1/patients?limit={MAX_LIMIT}&offset={MAX_OFFSET}")
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}
