"""Consolidation points on each engine: registered by a carrier's operations, scheduled through
(the hand-worked two-order case of the unit tests, kept and read back as computed), changed
with a version (a stale one refused, nothing written), read by a regulator of its territory and
not even found by another brand, another province or a platform; every change audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from peakguard.app.consolidation import (
    PointDraft,
    dispatch_modes,
    get_point,
    get_schedule,
    list_points,
    register_point,
    schedule_orders,
    update_point,
)
from peakguard.app.context import open_store
from peakguard.config import Settings
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import ForbiddenError, NotFoundError, StaleRecordError
from peakguard.i18n import render
from peakguard.identity.model import (
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store.audit_trail import query_entries
from peakguard.store.database import Store, transaction
from peakguard.supply.consolidation import PointResources, even_staffing
from peakguard.supply.model import DispatchMode, OrderDemand, OrderKind, OrderLine

OPERATE = frozenset({Permission.supply_read, Permission.supply_operate})
READ = frozenset({Permission.supply_read})


def _principal(
    code: str,
    kind: OrganisationKind,
    permissions: frozenset[Permission],
    *,
    carrier: str | None = None,
    region: str | None = None,
    level: RegulatorLevel | None = None,
) -> Principal:
    organisation = Organisation(code, code, kind, level=level, region=region, carrier=carrier)
    return Principal(f"user-{code}", organisation, permissions, Channel.session)


EMS = _principal("ems-sc", OrganisationKind.carrier, OPERATE, carrier="ems", region="510000")
EMS_READER = _principal("ems-hq", OrganisationKind.carrier, READ, carrier="ems")
YTO = _principal("yto-sc", OrganisationKind.carrier, OPERATE, carrier="yto", region="510000")
SICHUAN = _principal(
    "sc-post", OrganisationKind.regulator, READ, region="510000", level=RegulatorLevel.provincial
)
YAAN = _principal(
    "ya-post", OrganisationKind.regulator, READ, region="511800", level=RegulatorLevel.city
)
GUANGDONG = _principal(
    "gd-post", OrganisationKind.regulator, READ, region="440000", level=RegulatorLevel.provincial
)
PLATFORM = _principal("youle", OrganisationKind.platform, READ)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=CHINA_STANDARD_TIME)


RESOURCES = PointResources(
    floor_area_m2=2_000.0,
    staff_per_shift=14,
    shifts_per_day=1,
    first_shift_starts=8,
    forklifts=10,
    pallets=1_000,
    racks=1_000,
    trailers=10,
    handling_equipment=50,
    warehouse_system=True,
)
"""The unit tests' hand-worked point: equipment never binds, one shift 08–16."""
DRAFT = PointDraft(
    "QL-1", "邛崃汇集点", "ems", "510183", 30.41, 103.46, RESOURCES, serves_region="511800"
)


def _order(reference: str, needed: datetime, *lines: tuple[str, int, str]) -> OrderDemand:
    return OrderDemand(
        reference,
        OrderKind.direct_purchase,
        "ems",
        "ems-sc",
        "511800",
        tuple(OrderLine(b, q, s) for b, q, s in lines),
        (),
        needed,
    )


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    yield opened
    opened.engine.dispose()


def test_a_point_schedules_orders_and_keeps_the_schedule(store: Store) -> None:
    """The two hand-worked orders ship at 11:00 and 13:00, combine is named the bottleneck, and
    the schedule reads back as computed, in the audit trail with the point's registration."""
    register_point(store, EMS, DRAFT, now=_at(2, 9))
    orders = [
        _order("A", _at(3, 18), ("vegetables", 200, "S1")),
        _order("B", _at(3, 20), ("vegetables", 100, "S1"), ("milk", 60, "S2")),
    ]
    arrivals = {"S1": _at(3, 8), "S2": _at(3, 10, 30)}
    made = schedule_orders(
        store,
        EMS,
        "QL-1",
        orders,
        arrivals=arrivals,
        start=_at(3, 7),
        staffing=even_staffing(14),
        now=_at(3, 7),
    )
    assert {s.reference: s.shipped_at for s in made.shipments} == {"A": _at(3, 11), "B": _at(3, 13)}
    assert made.bottleneck == "combine" and made.line_rate == 80
    assert "combine" in render(made.bottleneck_reason, "en")
    assert made.days[0].capacity == 640
    assert get_schedule(store, SICHUAN, "QL-1", made.id) == made
    with transaction(store.sessions) as session:
        _total, entries = query_entries(session, record_id="QL-1")
    assert [e.action for e in entries] == ["consolidation.schedule", "consolidation.register"]


def test_a_stale_version_is_refused_and_writes_nothing(store: Store) -> None:
    """Two coordinators change the point from version 1: the second is refused (409)."""
    register_point(store, EMS, DRAFT, now=_at(2, 9))
    more = PointResources(floor_area_m2=2_000.0, staff_per_shift=20)
    changed = update_point(store, EMS, "QL-1", expected_version=1, resources=more, now=_at(2, 10))
    assert changed.point.version == 2 and changed.point.resources.staff_per_shift == 20
    with pytest.raises(StaleRecordError):
        update_point(store, EMS, "QL-1", expected_version=1, name="other", now=_at(2, 11))
    assert get_point(store, EMS, "QL-1").point.name == "邛崃汇集点"


def test_who_sees_and_who_operates_a_point(store: Store) -> None:
    """Its brand and the regulators of its region or of the area it serves read it; another
    brand, another province and a platform do not even find it; only its brand operates it."""
    register_point(store, EMS, DRAFT, now=_at(2, 9))
    for reader in (EMS_READER, SICHUAN, YAAN):
        assert [p.code for p in list_points(store, reader)] == ["QL-1"]
        assert get_point(store, reader, "QL-1").point.code == "QL-1"
    assert get_point(store, EMS, "QL-1").may_operate
    assert not get_point(store, SICHUAN, "QL-1").may_operate
    for stranger in (YTO, GUANGDONG, PLATFORM):
        assert list_points(store, stranger) == []
        with pytest.raises(NotFoundError):
            get_point(store, stranger, "QL-1")
    with pytest.raises(ForbiddenError):
        register_point(store, YTO, DRAFT)
    with pytest.raises(ForbiddenError):
        update_point(store, EMS_READER, "QL-1", expected_version=1, name="x")


def test_dispatch_modes_through_the_app(store: Store) -> None:
    """The packaged catalogue decides: 800 vegetable sets from one source go direct."""
    decisions = dispatch_modes(EMS_READER, [_order("A", _at(3, 18), ("vegetables", 800, "S1"))])
    assert decisions[0].mode is DispatchMode.direct


def test_supply_orders_are_scheduled_by_reference(store: Store) -> None:
    """Two supply orders opened by the carrier's company are read by reference and scheduled:
    the one-source order of 200 sets ships at 11:00 as in the hand-worked case."""
    from peakguard.app import accounts  # noqa: PLC0415
    from peakguard.app.consolidation_orders import schedule_supply_orders  # noqa: PLC0415
    from peakguard.app.supply_orders import SupplyOrderDraft, open_supply_order  # noqa: PLC0415
    from peakguard.identity.model import LOCAL_ADMINISTRATOR  # noqa: PLC0415
    from peakguard.supply.model import DeliveryKind, DeliveryPoint, Place  # noqa: PLC0415

    for organisation in (
        Organisation("youle", "邮乐", OrganisationKind.platform),
        Organisation(
            "ems-sc", "中国邮政四川", OrganisationKind.carrier, region="510000", carrier="ems"
        ),
    ):
        accounts.create_organisation(store, LOCAL_ADMINISTRATOR, organisation)
    register_point(store, EMS, DRAFT, now=_at(2, 9))
    place = Place("YA-1", "雅安市政府指定地点", "511802", 29.98, 103.0)
    references = []
    for lines in ((("vegetables", 200, "S1"),), (("vegetables", 100, "S1"), ("milk", 60, "S2"))):
        draft = SupplyOrderDraft(
            kind=OrderKind.direct_purchase, region="511800", supplier="youle",
            needed_by=_at(3, 18), title="保供", carrier="ems",
            lines=tuple(OrderLine(b, q, s) for b, q, s in lines),
            deliveries=(DeliveryPoint(place, DeliveryKind.address, sum(q for _b, q, _s in lines)),),
        )  # fmt: skip
        references.append(open_supply_order(store, LOCAL_ADMINISTRATOR, draft, now=_at(2, 10)))
    made = schedule_supply_orders(
        store, LOCAL_ADMINISTRATOR, "QL-1", [view.reference for view in references],
        start=_at(3, 7), arrivals={"S1": _at(3, 8), "S2": _at(3, 10, 30)},
        staffing=even_staffing(14), now=_at(3, 7),
    )  # fmt: skip
    shipped = {s.reference: s.shipped_at for s in made.shipments}
    assert shipped[references[0].reference] == _at(3, 11)
    assert shipped[references[1].reference] == _at(3, 13)
