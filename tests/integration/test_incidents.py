"""A blockage on each engine: the 24-hour report clock breached once when no report comes
(also with two sweepers at once), met when the carrier reports; the reroute attached to the
incident; and another brand's incident not even found."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from peakguard.app import accounts
from peakguard.app.alerts import office_alerts
from peakguard.app.context import open_store
from peakguard.app.controlled_areas import controlled_areas_in
from peakguard.app.incident_reroute import incident_scenario, plan_incident_reroute
from peakguard.app.incidents import (
    IncidentDraft,
    add_report,
    get_incident,
    open_incident,
    sweep_incidents,
)
from peakguard.app.networks import get_network, save_network
from peakguard.app.plans import closure_requests, plan_reroute
from peakguard.config import Settings
from peakguard.errors import InvalidInputError, NotFoundError, StaleRecordError
from peakguard.formats.loading import load_network
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store.audit_trail import query_entries
from peakguard.store.database import Store, transaction

CHINA = ZoneInfo("Asia/Shanghai")
ADMIN = LOCAL_ADMINISTRATOR
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
BLOCKED = datetime(2026, 11, 11, 6, 0, tzinfo=CHINA)
DESK = frozenset({Permission.incident_read, Permission.incident_report, Permission.duty_read})


def principal(organisation: Organisation, name: str, *extra: Permission) -> Principal:
    return Principal(name, organisation, DESK | set(extra), Channel.session)


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """Chengdu–Mianyang stored; ZTO's and YTO's Sichuan companies and the Sichuan office."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    save_network(
        opened,
        actor=ADMIN,
        network=load_network(EXAMPLES / "chengdu-mianyang.yaml"),
        source="test",
    )
    for code, kind, carrier, level in (
        ("zto-sc", OrganisationKind.carrier, "ZTO", None),
        ("yto-sc", OrganisationKind.carrier, "YTO", None),
        ("sc-post", OrganisationKind.regulator, None, RegulatorLevel.provincial),
    ):
        organisation = Organisation(
            code=code, name=code, kind=kind, carrier=carrier, level=level, region="510000"
        )
        accounts.create_organisation(opened, ADMIN, organisation)
    yield opened
    opened.engine.dispose()


def organisation(store: Store, code: str) -> Organisation:
    found = {item.code: item for item in accounts.list_organisations(store, ADMIN)}
    return found[code]


def road_cut(**changes: object) -> IncidentDraft:
    """Mianyang's hub cut off by a landslide on the morning of Double 11."""
    draft = IncidentDraft(
        incident_type="road_cut",
        carrier="ZTO",
        region="510700",
        period_start=BLOCKED,
        period_end=BLOCKED + timedelta(days=1),
        blocked=True,
        network="chengdu-mianyang",
        nodes=("ZTO-MY-HUB",),
        text="G5 绵阳段塌方，绵阳转运中心无法进出车",
        figures={"parcels_held": 42_000},
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


def breach_entries(store: Store) -> int:
    with transaction(store.sessions) as session:
        _total, entries = query_entries(session, limit=500)
    return sum(1 for entry in entries if entry.action == "incident.clock_breached")


def test_a_blockage_without_its_report_is_breached_at_24_hours_once(store: Store) -> None:
    """Recorded by the provincial duty officer at 07:00: not breached at +23h59, breached at
    +24h01 by one of two concurrent sweeps, once, audited, and the office's duty alerted; a
    later sweep changes nothing."""
    officer = principal(organisation(store, "sc-post"), "duty")
    opened = open_incident(store, road_cut(), actor=officer, now=BLOCKED + timedelta(hours=1))
    assert (opened.state, opened.reports[0].kind) == ("recorded", "record")
    assert opened.clock is not None and opened.clock.due_at == BLOCKED + timedelta(hours=24)
    early = sweep_incidents(store, now=BLOCKED + timedelta(hours=23, minutes=59))
    assert early.breaches == 0
    barrier = threading.Barrier(2)
    reports = []

    def sweep() -> None:
        barrier.wait()
        reports.append(sweep_incidents(store, now=BLOCKED + timedelta(hours=24, minutes=1)))

    workers = [threading.Thread(target=sweep) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(report.breaches for report in reports) == 1
    assert sweep_incidents(store, now=BLOCKED + timedelta(days=3)).breaches == 0
    assert breach_entries(store) == 1
    view = get_incident(store, opened.reference, actor=officer, now=BLOCKED + timedelta(days=3))
    assert view.clock is not None and view.clock.outcome == "breached"
    alerts = office_alerts(store, officer)
    assert [alert.subject for alert in alerts] == [f"incident:{opened.reference}"]


def test_a_blockage_reported_at_3_hours_is_met_and_never_breached(store: Store) -> None:
    """The regulator records it at +1 h, ZTO's first report comes at +3 h: met; the final report
    closes it; a stale version is refused; a correction appends (the first report is kept as it
    was); sweeps days later breach nothing."""
    officer = principal(organisation(store, "sc-post"), "duty")
    zto = principal(organisation(store, "zto-sc"), "planner")
    opened = open_incident(store, road_cut(), actor=officer, now=BLOCKED + timedelta(hours=1))
    first = add_report(
        store,
        opened.reference,
        "first",
        expected_version=opened.version,
        text="已启动应急预案，绵阳件经成都中转",
        figures={"parcels_held": 40_000},
        actor=zto,
        now=BLOCKED + timedelta(hours=3),
    )
    assert first.clock is not None and first.clock.outcome == "met"
    with pytest.raises(StaleRecordError):
        add_report(
            store,
            opened.reference,
            "follow_up",
            expected_version=opened.version,
            text="重复",
            actor=zto,
            now=BLOCKED + timedelta(hours=4),
        )
    final = add_report(
        store,
        opened.reference,
        "final",
        expected_version=first.version,
        text="道路抢通，恢复正常",
        actor=zto,
        now=BLOCKED + timedelta(hours=30),
    )
    assert final.state == "closed"
    corrected = add_report(
        store, opened.reference, "correction", expected_version=final.version,
        text="滞留件应为 41,000 件", figures={"parcels_held": 41_000}, corrects=2, actor=zto,
        now=BLOCKED + timedelta(hours=31),
    )  # fmt: skip
    kinds = [(report.kind, report.corrects) for report in corrected.reports]
    assert kinds == [("record", None), ("first", None), ("final", None), ("correction", 2)]
    assert corrected.reports[1].figures == {"parcels_held": 40_000}  # kept as first reported
    assert corrected.state == "closed"
    assert sweep_incidents(store, now=BLOCKED + timedelta(days=5)).breaches == 0
    assert final.clock is not None and final.clock.outcome == "met"


def test_another_brand_does_not_find_the_incident(store: Store) -> None:
    """A node the network lacks is refused where it is; YTO's Sichuan company neither reads nor
    reports on ZTO's incident: not found. The announcement draft names the city and the hub.
    The closed hub's region is a controlled area over the incident's period (complaints there
    are emergency work orders)."""
    zto = principal(organisation(store, "zto-sc"), "planner")
    yto = principal(organisation(store, "yto-sc"), "planner")
    with pytest.raises(InvalidInputError) as wrong:
        open_incident(store, road_cut(nodes=("ZTO-MY-HUB", "NOPE")), actor=zto, now=BLOCKED)
    assert [problem.location for problem in wrong.value.problems] == ["nodes[1]"]
    opened = open_incident(store, road_cut(), actor=zto, now=BLOCKED)
    assert opened.state == "reported" and opened.clock is not None
    assert opened.clock.outcome == "met"
    assert opened.announcement is not None and opened.announcement.status == "draft"
    assert "绵阳市 (中通绵阳转运中心)" in opened.announcement.texts["en"]
    with pytest.raises(NotFoundError):
        get_incident(store, opened.reference, actor=yto)
    with pytest.raises(NotFoundError):
        add_report(
            store,
            opened.reference,
            "follow_up",
            expected_version=opened.version,
            text="x",
            actor=yto,
        )
    with transaction(store.sessions) as session:
        areas = [area for area in controlled_areas_in(session) if opened.reference in area.source]
    assert [(area.region, area.start, area.end) for area in areas] == [
        ("510700", BLOCKED, BLOCKED + timedelta(days=1))
    ]


def test_the_reroute_attaches_the_planners_backups(store: Store) -> None:
    """ZTO's headquarters (whose reach is its whole network) reroutes the incident: the backups
    attached are those plan_reroute finds for the same hub and window when called directly."""
    headquarters = Organisation(
        code="zto", name="中通", kind=OrganisationKind.carrier, carrier="ZTO"
    )
    accounts.create_organisation(store, ADMIN, headquarters)
    zto = principal(
        organisation(store, "zto"), "planner", Permission.plan_run, Permission.network_read
    )
    opened = open_incident(store, road_cut(), actor=zto, now=BLOCKED)
    view = plan_incident_reroute(store, zto, opened.reference, now=BLOCKED)
    attached = view.incident.reroute
    assert attached is not None
    network = get_network(store, "chengdu-mianyang", actor=ADMIN)
    scenario = incident_scenario(opened.incident, ["ZTO-MY-HUB"])
    window = scenario.closures[0]
    direct = plan_reroute(
        network,
        scenario,
        closure_requests(scenario, ["ZTO-MY-HUB"], window.start, window.end),
        actor=ADMIN,
        check=False,
    )
    expected = [(b.hub, round(b.parcel_share, 4)) for b in direct.plans[0].backups]
    got = [(b["hub"], b["parcel_share"]) for b in attached["closures"][0]["backups"]]
    assert got == expected and got


def test_a_blockage_declared_by_a_follow_up_starts_its_clock_then(store: Store) -> None:
    """A staff shortage reported by ZTO at 06:00 is not a blockage: no clock. The provincial
    duty officer's follow-up declares the network blocked at 10:00: the clock runs to 10:00 the
    next day and the announcement draft appears; ZTO's follow-up at 13:00 meets it; a second
    declaration is refused where it is."""
    officer = principal(organisation(store, "sc-post"), "duty")
    zto = principal(organisation(store, "zto-sc"), "planner")
    opened = open_incident(
        store, road_cut(incident_type="staff_shortage", blocked=False), actor=zto, now=BLOCKED
    )
    assert opened.clock is None and opened.announcement is None
    blocked_at = BLOCKED + timedelta(hours=4)
    declared = add_report(
        store, opened.reference, "follow_up", expected_version=opened.version,
        text="网点人员不足，绵阳全网停收", blocked_at=blocked_at, actor=officer,
        now=BLOCKED + timedelta(hours=5),
    )  # fmt: skip
    assert declared.clock is not None and declared.clock.outcome == "running"
    assert declared.clock.due_at == blocked_at + timedelta(hours=24)
    assert declared.incident.blocked and declared.announcement is not None
    met = add_report(
        store, opened.reference, "follow_up", expected_version=declared.version,
        text="已调配人员", actor=zto, now=BLOCKED + timedelta(hours=7),
    )  # fmt: skip
    assert met.clock is not None and met.clock.outcome == "met"
    with pytest.raises(InvalidInputError) as again:
        add_report(
            store, opened.reference, "follow_up", expected_version=met.version,
            text="再次阻断", blocked_at=blocked_at, actor=zto, now=BLOCKED + timedelta(hours=8),
        )  # fmt: skip
    assert [problem.location for problem in again.value.problems] == ["blocked_at"]
    assert sweep_incidents(store, now=BLOCKED + timedelta(days=3)).breaches == 0
