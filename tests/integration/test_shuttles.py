"""Passes and shuttle plans on each engine: a revoked or expired pass keeps its vehicle out of
the day's plan and the plan says why; another brand cannot record for the carrier nor see its
plan; a regulator outside the territory does not find it; every change is audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.app.passes import PassDraft, check_passes, list_passes, record_pass, revoke_pass
from peakguard.app.shuttles import (
    get_shuttle_plan,
    list_shuttle_plans,
    plan_day_shuttles,
    register_vehicle,
)
from peakguard.config import Settings
from peakguard.errors import ForbiddenError, NotFoundError
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.optimize.shuttle_model import Leg, ShuttleParameters, Vehicle
from peakguard.store.audit_trail import query_entries
from peakguard.store.database import Store, transaction
from peakguard.supply.model import DeliveryKind, DeliveryPoint, OrderDemand, OrderKind, Place
from peakguard.supply.passes import PassKind

CHINA = ZoneInfo("Asia/Shanghai")
ADMIN = LOCAL_ADMINISTRATOR
AREA = "310115"
DAY = date(2026, 4, 10)
NOW = datetime(2026, 4, 9, 18, 0, tzinfo=CHINA)
STATION = Place("ST-1", "张江转运站", AREA, 31.2, 121.6)
POINT = Place("CP-1", "昆山汇集点", "320583", 31.38, 120.98)
ORDER = OrderDemand(
    "GB-1",
    OrderKind.group_buy,
    "EMS",
    "310000-EMS",
    AREA,
    (),
    (
        DeliveryPoint(Place("P1", "金桥社区", AREA, 31.25, 121.62), DeliveryKind.community, 6),
        DeliveryPoint(Place("P2", "团长自提点", AREA, 31.22, 121.65), DeliveryKind.pickup_point, 4),
    ),
    datetime(2026, 4, 10, 20, 0, tzinfo=CHINA),
)
OPERATE = frozenset({Permission.supply_read, Permission.supply_operate})
QUICK = ShuttleParameters(iterations=300)


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """EMS's and SF's Shanghai companies, the Shanghai office and the Sichuan office."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    for code, kind, carrier, level, region in (
        ("ems-sh", OrganisationKind.carrier, "EMS", None, "310000"),
        ("sf-sh", OrganisationKind.carrier, "SF", None, "310000"),
        ("sh-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "310000"),
        ("sc-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "510000"),
    ):
        organisation = Organisation(
            code=code, name=code, kind=kind, carrier=carrier, level=level, region=region
        )
        accounts.create_organisation(opened, ADMIN, organisation)
    yield opened
    opened.engine.dispose()


def who(store: Store, code: str) -> Principal:
    organisation = {o.code: o for o in accounts.list_organisations(store, ADMIN)}[code]
    rights = OPERATE if organisation.kind is OrganisationKind.carrier else {Permission.supply_read}
    return Principal("wang", organisation, frozenset(rights), Channel.session)


def grant(store: Store, actor: Principal, kind: PassKind, holder: str, until: date) -> int:
    draft = PassDraft(kind, holder, "310000", date(2026, 4, 1), until, "上海市防控办", "")
    if kind is PassKind.person:
        draft = PassDraft(
            kind, holder, "310000", date(2026, 4, 1), until, "防控办", "11010519491231002X"
        )
    return record_pass(store, actor, carrier="EMS", draft=draft, now=NOW).id


def test_a_revoked_or_expired_pass_keeps_the_vehicle_out_and_the_plan_says_why(
    store: Store,
) -> None:
    """Three vehicles at the station: one with valid passes (routed), one whose pass was
    revoked, one whose pass expired the day before; the two are listed as missing, the
    plan is kept and audited, and the white list holds only the masked ID."""
    ems = who(store, "ems-sh")
    for code in ("V1", "V2", "V3"):
        register_vehicle(
            store,
            ems,
            carrier="EMS",
            vehicle=Vehicle(code, f"沪A{code}", f"D-{code}", Leg.inner, "ST-1", 8),
            now=NOW,
        )
    grant(store, ems, PassKind.site, "ST-1", date(2026, 4, 30))
    for code, until in (
        ("V1", date(2026, 4, 30)),
        ("V2", date(2026, 4, 30)),
        ("V3", date(2026, 4, 9)),
    ):
        grant(store, ems, PassKind.vehicle, f"沪A{code}", until)
        grant(store, ems, PassKind.person, f"D-{code}", date(2026, 4, 30))
    revoked = [
        p for p in list_passes(store, ems, kind=PassKind.vehicle) if p.entry.holder == "沪AV2"
    ]
    revoke_pass(store, ems, revoked[0].id, reason="车辆故障", now=NOW)
    saved = plan_day_shuttles(
        store, ems, carrier="EMS", region=AREA, day=DAY, point=POINT, stations=[STATION],
        orders=[ORDER], parameters=QUICK, now=NOW,
    )  # fmt: skip
    plan = get_shuttle_plan(store, ems, saved.id).plan
    assert [route.vehicle for route in plan.routes if route.leg is Leg.inner] == ["V1"]
    assert plan.delivered_sets() == 10
    reasons = {m.subject: [r.render("en") for r in m.reasons] for m in plan.missing}
    assert reasons["V2"] == ["Vehicle 沪AV2 has no vehicle pass (车辆通行证)."]
    assert reasons["V3"] == ["Vehicle 沪AV3's vehicle pass (车辆通行证) expired on 2026-04-09."]
    people = list_passes(store, ems, kind=PassKind.person)
    assert {p.entry.masked_id for p in people} == {"**************002X"}
    assert check_passes(store, ems, carrier="EMS", region=AREA, day=DAY, vehicle="沪AV1") == ()
    with transaction(store.sessions) as session:
        actions = [entry.action for entry in query_entries(session, limit=1000)[1]]
    assert actions.count("pass.record") == 7 and "pass.revoke" in actions
    assert "shuttle.plan" in actions


def test_other_brands_and_territories_neither_record_nor_see(store: Store) -> None:
    """SF cannot record EMS's pass nor find its plan; Shanghai's office sees the plan,
    Sichuan's does not."""
    ems, sf = who(store, "ems-sh"), who(store, "sf-sh")
    draft = PassDraft(PassKind.vehicle, "沪A1", AREA, DAY, DAY, "防控办")
    with pytest.raises(ForbiddenError):
        record_pass(store, sf, carrier="EMS", draft=draft, now=NOW)
    saved = plan_day_shuttles(
        store, ems, carrier="EMS", region=AREA, day=DAY, point=POINT, stations=[STATION],
        orders=[ORDER], vehicles=[], parameters=QUICK, now=NOW,
    )  # fmt: skip
    assert saved.plan.unserved_sets() == 10
    with pytest.raises(NotFoundError):
        get_shuttle_plan(store, sf, saved.id)
    with pytest.raises(NotFoundError):
        get_shuttle_plan(store, who(store, "sc-post"), saved.id)
    assert [p.id for p in list_shuttle_plans(store, who(store, "sh-post"))] == [saved.id]
    assert list_shuttle_plans(store, sf) == []
