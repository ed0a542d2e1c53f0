"""The coverage form (``POST /app/coverage``) and ``POST /coverage`` under hostile input, in the
spirit of the hostile corpus of issue #13 (tests/hostile_corpus.py): NUL and invisible
characters, markup, full-width digits, numbers past 2**64, text 5,000 characters long, a year 1
or 9999 the store cannot turn into UTC, another brand. Each is
refused with the mistake beside the field it concerns, never a 500, and no plan is kept."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from peakguard.app import accounts
from peakguard.app.networks import save_network
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Organisation, OrganisationKind
from peakguard.store.coverage_tables import CoveragePlanRow
from peakguard.store.database import transaction
from tests.integration.test_authentication import Site, make_site
from tests.integration.test_coverage_surfaces import FORM, log_in
from tests.unit.optimize.test_coverage_networks import henan_network

CASES: list[tuple[str, str, str]] = [
    # (field sent, value, field the mistake must stand beside)
    ("region", "\x00", "region"),
    ("region", "４１００００", "region"),
    ("region", "<script>alert(1)</script>", "region"),
    ("region", "18446744073709551616", "region"),
    ("network", "x" * 5000, "network"),
    ("network", "henan\u200b", "network"),
    ("carrier", "ZTO", "carrier"),
    ("start", "0001-01-01T00:00", "start"),
    ("start", "NaN", "start"),
    ("end", "9999-12-31T20:00-05:00", "end"),
    ("end", "2022-05-08T00:00+99:00", "end"),
    ("depth", "station_segment\x00", "depth"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """China Post (EMS) with its supply coordinator, and the Henan network."""
    home = tmp_path_factory.mktemp("coverage-hostile")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            accounts.create_organisation(
                made.store,
                ADMIN,
                Organisation(code="ems", name="中国邮政", kind=OrganisationKind.carrier,
                             carrier="EMS"),
            )  # fmt: skip
            made.passwords["ems.coordinator"] = "Pw-15-q7Rm2xLw9Zt4-cover"
            accounts.create_user(
                made.store, ADMIN, username="ems.coordinator", organisation="ems",
                roles=["supply_coordinator"], display_name="邮政保供专员",
                password=made.passwords["ems.coordinator"],
            )  # fmt: skip
            save_network(made.store, henan_network(), actor=ADMIN, source="test")
            yield made


def _plans(site: Site) -> int:
    with transaction(site.store.sessions) as session:
        return int(session.scalar(select(func.count()).select_from(CoveragePlanRow)) or 0)


@pytest.fixture(scope="module")
def csrf(site: Site) -> str:
    log_in(site, "ems.coordinator")
    found = re.search(r'name="csrf_token" value="([^"]+)"', site.client.get("/app/coverage").text)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(("field", "value", "beside"), CASES)
def test_the_form_refuses_a_hostile_value_beside_its_field(
    site: Site, csrf: str, field: str, value: str, beside: str
) -> None:
    """One hostile value on the form: 422, the mistake beside its field, no plan kept."""
    before = _plans(site)
    answer = site.client.post(
        "/app/coverage", data={**FORM, field: value, "csrf_token": csrf}, follow_redirects=False
    )
    assert answer.status_code == 422, answer.text[:300]
    assert f'id="{beside}-error"' in answer.text
    assert _plans(site) == before


def test_the_api_refuses_a_year_the_store_cannot_hold(site: Site, csrf: str) -> None:
    """POST /coverage with a start in year 1: 422 naming ``start`` (it used to be a 500)."""
    body = {"network": "henan", "region": "410000", "start": "0001-01-01T00:00:00",
            "end": "0001-01-02T00:00:00"}  # fmt: skip
    before = _plans(site)
    answer = site.client.post("/coverage", json=body, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 422, answer.text
    assert [p["location"] for p in answer.json()["error"]["problems"]] == ["start", "end"]
    assert _plans(site) == before
