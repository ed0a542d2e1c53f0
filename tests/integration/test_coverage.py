"""Coverage plans made, kept and read through the application layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.app.coverage import get_coverage_plan, list_coverage_plans, plan_area_coverage
from peakguard.app.networks import save_network
from peakguard.config import Settings
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.optimize.coverage import CoverageRequest, plan_coverage
from peakguard.store.audit_trail import query_entries
from peakguard.store.coverage import plan_document
from peakguard.store.database import Store, transaction
from tests.unit.optimize.test_coverage_networks import henan_network

CHINA = ZoneInfo("Asia/Shanghai")
START, END = datetime(2022, 5, 1), datetime(2022, 5, 8)
NOW = datetime(2022, 4, 30, 20, 0, tzinfo=CHINA)
PLANNER = frozenset({Permission.plan_run, Permission.network_read})
READER = frozenset({Permission.network_read})
FOUR = ("EMS-HANDAN", "EMS-JINING", "EMS-WUHAN", "EMS-XIAN")


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """China Post's headquarters, SF's, the Henan and the Sichuan offices; the Henan network."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    for code, kind, carrier, level, region in (
        ("ems-hq", OrganisationKind.carrier, "EMS", None, None),
        ("sf-hq", OrganisationKind.carrier, "SF", None, None),
        ("ha-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "410000"),
        ("sc-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "510000"),
    ):
        organisation = Organisation(
            code=code, name=code, kind=kind, carrier=carrier, level=level, region=region
        )
        accounts.create_organisation(opened, LOCAL_ADMINISTRATOR, organisation)
    save_network(opened, henan_network(), actor=LOCAL_ADMINISTRATOR, source="test")
    yield opened
    opened.engine.dispose()


def who(store: Store, code: str, rights: frozenset[Permission] = PLANNER) -> Principal:
    organisation = {o.code: o for o in accounts.list_organisations(store, LOCAL_ADMINISTRATOR)}
    return Principal("zhang", organisation[code], rights, Channel.session)


def test_a_plan_is_kept_as_made_and_audited(store: Store) -> None:
    """China Post plans Henan: the four centres, the stored document equals the core's plan,
    and the audit trail names the plan."""
    ems = who(store, "ems-hq")
    view = plan_area_coverage(store, ems, "henan", "410000", START, END, now=NOW)
    assert view.centres == FOUR
    assert (view.carrier, view.region_name, view.parcels) == ("EMS", "河南省", 553_000)
    assert view.start == START.replace(tzinfo=CHINA)
    assert view == get_coverage_plan(store, ems, view.id)
    again = get_coverage_plan(store, ems, view.id)
    expected = plan_coverage(henan_network(), CoverageRequest("410000", START, END))
    assert again.document == plan_document(expected)
    assert [p.id for p in list_coverage_plans(store, ems)] == [view.id]
    with transaction(store.sessions) as session:
        _total, entries = query_entries(session, record_id=str(view.id), limit=10)
    assert [(e.action, e.detail["centres"]) for e in entries] == [("coverage.plan", list(FOUR))]


def test_readers_see_plans_of_their_territory_or_brand(store: Store) -> None:
    """Henan's office reads the plan; Sichuan's office and SF do not (not found, empty list)."""
    view = plan_area_coverage(store, who(store, "ems-hq"), "henan", "410000", START, END, now=NOW)
    henan_office = who(store, "ha-post", READER)
    assert get_coverage_plan(store, henan_office, view.id).centres == FOUR
    for outsider in (who(store, "sc-post", READER), who(store, "sf-hq", READER)):
        with pytest.raises(NotFoundError):
            get_coverage_plan(store, outsider, view.id)
        assert list_coverage_plans(store, outsider) == []


def test_planning_is_refused_outside_brand_territory_or_rights(store: Store) -> None:
    """SF may not plan China Post's mail, Sichuan's office not Henan, a reader not at all."""
    with pytest.raises(ForbiddenError):
        plan_area_coverage(
            store, who(store, "sf-hq"), "henan", "410000", START, END, carrier="EMS", now=NOW
        )
    with pytest.raises(ForbiddenError):
        plan_area_coverage(store, who(store, "sc-post"), "henan", "410000", START, END, now=NOW)
    with pytest.raises(ForbiddenError):
        plan_area_coverage(
            store, who(store, "ems-hq", READER), "henan", "410000", START, END, now=NOW
        )
    assert list_coverage_plans(store, LOCAL_ADMINISTRATOR) == []


def test_a_mistake_names_its_field_and_keeps_nothing(store: Store) -> None:
    """A period of more than 60 days, or a region without stations, is refused at its field."""
    ems = who(store, "ems-hq")
    with pytest.raises(InvalidInputError) as long:
        plan_area_coverage(store, ems, "henan", "410000", START, datetime(2022, 9, 1), now=NOW)
    assert [p.location for p in long.value.problems] == ["end"]
    with pytest.raises(InvalidInputError) as empty:
        plan_area_coverage(store, ems, "henan", "510000", START, END, now=NOW)
    assert [p.location for p in empty.value.problems] == ["region"]
    assert list_coverage_plans(store, ems) == []
