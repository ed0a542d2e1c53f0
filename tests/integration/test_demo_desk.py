"""The demo's operations desk on SQLite: a season of reports on the demo network recorded by the
demo's organisations — the late reports flagged late, the typo flagged implausible with its
reason, the road cut reported within 24 hours with its reroute, a level III plan activated
from a warning, its actions checked off and terminated — and a second run recording nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from peakguard.app.alerts import office_alerts
from peakguard.app.context import open_store
from peakguard.app.daily_reports import report_flags
from peakguard.app.demo_accounts import demo_accounts
from peakguard.app.demo_desk import DemoDesk, record_demo_desk
from peakguard.app.emergency import list_activations, plans_in_force
from peakguard.app.incidents import get_incident, list_incidents
from peakguard.app.networks import save_network
from peakguard.cases.daily_reports import ReportKey, city_of
from peakguard.cases.emergency_plans import propose
from peakguard.config import Settings
from peakguard.demo.desk_season import (
    CityDay,
    DeskSeason,
    desk_season,
    response_facts,
    season_days,
)
from peakguard.demo.season import DEMO_CLOSED_HUB, double11_scenario
from peakguard.demo.sichuan import build_sichuan_network
from peakguard.domain.network import Network, NodeKind
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.store.daily_reports import ReportFilter
from peakguard.store.database import Store

MULTIPLIERS = {6: 1.2, 7: 1.2, 8: 1.2, 9: 1.2, 10: 1.5, 11: 2.0, 12: 1.8, 13: 1.8}
FULL_FROM = date(2026, 11, 13)
"""From this day five ZTO hubs are full at the day's end (5 of 42 watched hubs: 12 %)."""


def season(network: Network) -> dict[ReportKey, CityDay]:
    """ZTO's and SF's figures per Sichuan city for 8 to 15 November: 1,000 pickups and
    900 deliveries a normal day times the day's multiplier (at most 2), every hub at half its
    storage except five ZTO hubs (Deyang's among them) full from 13 November."""
    scenario = double11_scenario()
    full = sorted(
        node.id
        for node in network.nodes
        if node.kind is NodeKind.hub and node.carrier == "ZTO" and node.region.startswith("51")
    )
    full = [DEMO_CLOSED_HUB, *[hub for hub in full if hub != DEMO_CLOSED_HUB][:4]]
    figures: dict[ReportKey, CityDay] = {}
    for day in season_days(scenario)[4:12]:
        multiplier = MULTIPLIERS.get(day.day, 1.4 if day.month == 11 and day.day > 13 else 1.0)
        places: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for node in network.nodes:
            if node.carrier not in ("ZTO", "SF") or not node.region.startswith("51"):
                continue
            hubs = places.setdefault((node.carrier, city_of(node.region)), [])
            if node.kind is NodeKind.hub:
                share = 1.0 if node.id in full and day >= FULL_FROM else 0.5
                hubs.append((node.id, round(node.storage_capacity * share)))
        for (carrier, city), hubs in places.items():
            key = ReportKey(carrier, city, day)
            figures[key] = CityDay(
                key, round(1000 * multiplier), round(900 * multiplier), tuple(hubs)
            )
    return figures


@dataclass(frozen=True)
class Desk:
    store: Store
    recorded: DemoDesk
    again: DemoDesk
    script: DeskSeason


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """A SQLite database with the demo's organisations, users and network, the season's desk
    recorded, then recorded a second time."""
    home = tmp_path_factory.mktemp("demo-desk")
    store = open_store(Settings(database_url=f"sqlite:///{home / 'db.sqlite'}", home=home))
    demo_accounts(store, ADMIN)
    network = build_sichuan_network()
    save_network(store, network, actor=ADMIN, source="test")
    figures = season(network)
    drained = {hub: 0 for key, city in figures.items() for hub, _held in city.hub_backlogs}
    scenario = double11_scenario()
    recorded = record_demo_desk(
        store, network, scenario, figures, seed=7, actor=ADMIN, drained=drained
    )
    again = record_demo_desk(
        store, network, scenario, figures, seed=7, actor=ADMIN, drained=drained
    )
    script = desk_season(
        network, scenario, figures, seed=7, plans=plans_in_force(), drained=drained
    )
    yield Desk(store, recorded, again, script)
    store.engine.dispose()


def test_exactly_the_late_reports_are_flagged_late_and_missing_at_their_deadline(
    desk: Desk,
) -> None:
    """The three reports sent after their deadline are flagged missing at it and late when they
    came; no other report is flagged either."""
    flags = report_flags(desk.store, ADMIN, ReportFilter())
    late = {flag.key for flag in flags if flag.kind == "late"}
    missing = {flag.key for flag in flags if flag.kind == "missing"}
    assert len(desk.script.late) == 3
    assert late == missing == set(desk.script.late)


def test_the_typo_is_flagged_implausible_with_its_reason_and_corrected(desk: Desk) -> None:
    """Only the report typed with an extra zero is flagged implausible, as a jump against the
    median of the previous days, and its correction is a second version."""
    flags = report_flags(desk.store, ADMIN, ReportFilter())
    implausible = [f for f in flags if f.kind not in ("late", "missing")]
    assert [(f.key, f.kind, f.version) for f in implausible] == [
        (desk.script.implausible, "jump", 1)
    ]
    figures = desk.script.figures[desk.script.implausible]
    assert implausible[0].reason.params["value"] == figures.picked_up * 10
    reports = desk.recorded.reports
    assert reports == len(desk.script.figures)
    assert desk.recorded.versions == reports + 1


def test_the_road_cut_is_reported_within_24_hours_with_its_reroute(desk: Desk) -> None:
    """The Deyang hub's road cut is opened by ZTO Sichuan's first report 3 h 40 after the
    blockage (its 24-hour clock met), closed by the final report, and carries the backups."""
    rows = list_incidents(desk.store, actor=ADMIN)
    assert len(rows) == 1
    view = get_incident(desk.store, rows[0].incident.reference, actor=ADMIN)
    incident = view.incident
    assert (incident.incident_type, incident.nodes, incident.state) == (
        "road_cut",
        (DEMO_CLOSED_HUB,),
        "closed",
    )
    assert [report.kind for report in view.reports] == ["first", "follow_up", "final"]
    assert view.clock is not None and view.clock.outcome == "met"
    assert view.reports[0].at - incident.blocked_at == timedelta(hours=3, minutes=40)  # type: ignore[operator]
    assert incident.reroute is not None and desk.recorded.backups >= 1
    assert desk.recorded.clock == "met"


def test_a_warning_activates_level_three_which_is_worked_and_terminated(desk: Desk) -> None:
    """The morning after five hubs of 42 reported full, the warning proposes the peak-backlog
    plan at level III; the province activates it, checks off every action and terminates it."""
    views = list_activations(desk.store, actor=ADMIN)
    assert len(views) == 1
    view = views[0]
    assert (view.record.plan_key, view.level, view.state) == ("peak_backlog", "III", "terminated")
    assert (view.record.trigger or "").startswith("warning:")
    assert view.actions and all(action.check is not None for action in view.actions)
    assert [step.step for step in view.steps][:2] == ["propose", "activate"]
    assert view.steps[-1].step == "terminate"
    assert desk.recorded.activation is not None and "III terminated" in desk.recorded.activation


def test_alerts_reach_the_duty_and_the_busy_morning_escalates(desk: Desk) -> None:
    """Every office of the demo has a roster; Chengdu's duty gets the warning on its hub on the
    morning the hubs filled, answers over 15 minutes later, after the alert moved to the second
    officer (15 minutes); every other morning it answers within the limit."""
    assert {"spb-cd", "spb-sc", "zto-sc", "sf-sc"} <= set(desk.recorded.rostered)
    chengdu = office_alerts(desk.store, ADMIN, office="spb-cd")
    assert chengdu and all(alert.acknowledged_by == "cd.duty" for alert in chengdu)
    busy = desk.script.busy_morning
    assert busy is not None
    for alert in chengdu:
        waited = alert.acknowledged_at - alert.raised_at  # type: ignore[operator]
        late = alert.raised_at == busy
        assert alert.step == (1 if late else 0)
        if late:
            assert timedelta(minutes=15) < waited <= timedelta(minutes=40)
        else:
            assert waited < timedelta(minutes=15)
    assert any(alert.raised_at == busy for alert in chengdu)
    assert desk.recorded.acknowledged >= len(chengdu)


def test_a_second_run_records_nothing(desk: Desk) -> None:
    """Run again on the same database, the desk records nothing and says so."""
    assert desk.again.already_recorded
    assert (desk.again.reports, desk.again.versions, desk.again.flags) == (
        desk.recorded.reports,
        desk.recorded.versions,
        desk.recorded.flags,
    )
    assert desk.again.alerts == desk.recorded.alerts


def test_the_response_facts_of_hand_worked_hubs() -> None:
    """Ten hubs of storage 100, one holding 100 and one 85: the worst is red (100 %), its ratio
    1.0, a tenth of the hubs full — level III of the peak-backlog plan; with the full one at 95
    instead, orange (90 %) and no hub full — level IV (a warning at level II or worse)."""
    storage = {f"H{n}": 100.0 for n in range(10)}
    held = dict.fromkeys(storage, 50) | {"H0": 100, "H1": 85}
    facts = response_facts(held, storage)
    assert facts == {"warning_level": 1.0, "backlog_ratio": 1.0, "overflowing_hub_share": 0.1}
    proposal = propose(plans_in_force(), "backlog", facts)
    assert proposal is not None and (proposal.plan.key, proposal.level) == ("peak_backlog", "III")
    milder = response_facts(held | {"H0": 95}, storage)
    assert milder == {"warning_level": 2.0, "backlog_ratio": 0.95, "overflowing_hub_share": 0.0}
    proposal = propose(plans_in_force(), "backlog", milder)
    assert proposal is not None and proposal.level == "IV"
    assert response_facts(dict.fromkeys(storage, 69), storage) == {}
