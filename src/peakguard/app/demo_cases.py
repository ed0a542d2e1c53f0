"""The demo season's complaints (投诉) and appeals (申诉), recorded as the desks would.

From the parcels of the season's scan events in the lake, :func:`season_complaints` draws who
complains and plans every step; this module records them through the application layer as
the organisations that do the work — a complaint by its carrier's company (the Sichuan company
where the demo has one), an appeal by the postal administration of the complainant's territory
(the city office, else the province's), the carrier's replies by the company the appeal was
forwarded to — each step at its simulated moment, in the order they happened. The overdue
sweep then runs at the season's end, so the reminders and breaches a desk would have seen are
recorded. A carrier brand with no organisation in the database is left out (and named in the
result): its complaints would have no one to record them.

Recording is idempotent per seed: the cases carry ``peakguard-demo-<seed>-<key>`` as their
source reference, and a season already recorded is not recorded again.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from peakguard.analytics.engines import duckdb_engine
from peakguard.analytics.parcels import parcel_facts
from peakguard.analytics.settings import KpiSettings, standards_of
from peakguard.app.access import require
from peakguard.app.accounts import list_organisations, list_roles
from peakguard.app.case_calendar import clock_rules, working_calendar
from peakguard.app.case_drafts import CaseDraft, StepInput, check_draft, refuse
from peakguard.app.case_sweep import SweepReport, sweep_cases
from peakguard.app.cases import check_opening, open_in, take_step
from peakguard.cases.machines import states
from peakguard.cases.model import CaseKind, state_label
from peakguard.demo.complaints import (
    ComplaintParameters,
    ControlledArea,
    Move,
    PlannedCase,
    SeasonComplaints,
    season_complaints,
)
from peakguard.domain.network import Network
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import NotFoundError
from peakguard.i18n import Message, _, render
from peakguard.identity.model import (
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
)
from peakguard.identity.territory import reach_of
from peakguard.simulate.scenario import Scenario
from peakguard.store.cases import case_by_source, case_clocks
from peakguard.store.database import Store, transaction

CARRIER_DESK_ROLE = "carrier_complaint_handler"
REGULATOR_DESK_ROLE = "complaint_handler"
CARRIER_STEPS = frozenset({"carrier_reply", "mediation_reply"})
"""An appeal's steps the carrier takes (a complaint's are all the carrier's)."""


@dataclass(frozen=True)
class DemoCases:
    """What the demo recorded: cases by kind and state, emergency work orders, valid
    findings, clocks breached (by steps taken late and by the sweep), the sweep's reminders,
    the brands left out (no organisation) and any state no case holds."""

    complaints: int
    appeals: int
    emergency: int
    valid: int
    held: tuple[tuple[str, str, int], ...]
    """``(kind, state, cases)`` for every state held."""
    breached: int
    sweep: SweepReport
    skipped_carriers: tuple[str, ...]
    missing_states: tuple[str, ...]
    """``kind/state`` of every state no case holds at the season's end."""
    already_recorded: bool = False

    def figures(self) -> list[tuple[Message, str]]:
        """The summary as labelled figures, for the demo's printed output (the states named
        in the language in force when it is called)."""
        by_kind: dict[str, list[str]] = {}
        for kind, state, count in self.held:
            name = render(state_label(CaseKind(kind), state))
            by_kind.setdefault(kind, []).append(f"{name} {count}")
        rows: list[tuple[Message, str]] = [
            (_("Complaints (emergency work orders)"), f"{self.complaints} ({self.emergency})"),
            (_("Appeals (found valid)"), f"{self.appeals} ({self.valid})"),
            (_("Complaints by state"), ", ".join(by_kind.get("complaint", []))),
            (_("Appeals by state"), ", ".join(by_kind.get("appeal", []))),
            (
                _("Clocks breached (of which found by the sweep)"),
                f"{self.breached:,} ({self.sweep.breaches:,})",
            ),
            (_("Reminders raised by the sweep"), f"{self.sweep.reminders:,}"),
        ]
        if self.skipped_carriers:
            rows.append(
                (_("Carriers left out (no organisation)"), ", ".join(self.skipped_carriers))
            )
        if self.missing_states:
            rows.append((_("States no case holds"), ", ".join(self.missing_states)))
        if self.already_recorded:
            recorded = self.complaints + self.appeals
            rows.append((_("Cases recorded by an earlier run of the demo"), f"{recorded:,}"))
        return rows


def season_end(scenario: Scenario) -> datetime:
    """The end of the simulated season (its drain days included), China time."""
    return scenario.moment(scenario.hours).replace(tzinfo=CHINA_STANDARD_TIME)


def controlled_areas(network: Network, scenario: Scenario) -> tuple[ControlledArea, ...]:
    """The scenario's closures as controlled areas: the closed node's city, while closed."""
    regions = {node.id: node.region for node in network.nodes}
    return tuple(
        ControlledArea(
            regions[closure.node][:4],
            closure.start.replace(tzinfo=CHINA_STANDARD_TIME),
            closure.end.replace(tzinfo=CHINA_STANDARD_TIME),
        )
        for closure in scenario.closures
        if closure.node in regions
    )


def season_parcels(lake: Path, network: Network, scenario: Scenario) -> pa.Table:
    """The season's parcels in ``lake`` (accepted from the scenario's start, of the network's
    brands), measured at the season's end: waybill, carrier, regions, ``accepted_at``,
    ``due_at`` (its service standard's limit), ``delivered_at``, ``late``, ``trail_stopped``."""
    end = season_end(scenario)
    settings = KpiSettings(cutoff=end, service_standards=standards_of(network))
    engine = duckdb_engine(lake)
    facts = parcel_facts(engine.events, settings)
    start = scenario.start.replace(tzinfo=CHINA_STANDARD_TIME).astimezone(UTC)
    carriers = sorted({carrier.code for carrier in network.carriers})
    facts = facts.filter(
        facts.accepted_at >= ibis.literal(start),
        facts.carrier.isin(carriers),
        facts.time_limit_hours.notnull(),
    )
    limit = (facts.time_limit_hours * 3600).cast("int64").as_interval("s")
    facts = facts.mutate(due_at=facts.accepted_at + limit, late=~facts.on_time)
    columns = ["waybill", "carrier", "origin_region", "destination_region", "accepted_at"]
    chosen = facts.select(*columns, "due_at", "delivered_at", "late", "trail_stopped")
    return engine.backend.to_pyarrow(chosen)


def record_demo_cases(
    store: Store,
    lake: Path,
    network: Network,
    scenario: Scenario,
    *,
    seed: int,
    actor: Principal,
    parameters: ComplaintParameters | None = None,
    parcels: pa.Table | None = None,
) -> DemoCases:
    """Draw the season's complaints and appeals from its parcels (``parcels``, or those of
    ``lake``), record them with every step as the demo's desks, sweep at the season's end,
    and return what was recorded; as ``actor`` (an administrator)."""
    require(actor, Permission.admin_manage)
    organisations = list_organisations(store, actor)
    desks = _Desks(organisations, {role.name: role.permissions for role in list_roles(store)})
    table = parcels if parcels is not None else season_parcels(lake, network, scenario)
    brands = sorted(set(pc.unique(table["carrier"]).to_pylist()))
    present = [brand for brand in brands if desks.has_carrier(brand)]
    skipped = tuple(sorted({c.code for c in network.carriers} - set(present)))
    table = table.filter(pc.is_in(table["carrier"], pa.array(present, pa.string())))
    end = season_end(scenario)
    season = season_complaints(
        table,
        end=end,
        seed=seed,
        parameters=parameters,
        controlled=controlled_areas(network, scenario),
        rules=clock_rules(),
        calendar=working_calendar(store),
    )
    source = f"peakguard-demo-{seed}"
    if season.cases and _recorded(store, season.cases[0], source):
        return _summary(store, season, source, skipped, SweepReport(ran=False), already=True)
    _Replay(store, desks, source).run(season.cases)
    sweep = sweep_cases(store, now=end)
    return _summary(store, season, source, skipped, sweep)


class _Desks:
    """The demo's desks: for a case, the organisation that records and works it, acting with
    the permissions of its complaint-handling role."""

    def __init__(
        self, organisations: Iterable[Organisation], roles: Mapping[str, frozenset[Permission]]
    ) -> None:
        self.organisations = list(organisations)
        self.roles = roles

    def _covering(
        self, kind: OrganisationKind, brand: str | None, region: str
    ) -> Organisation | None:
        """The organisation of ``kind`` (and ``brand``) whose territory covers ``region``
        most narrowly (the city office before the province's, a provincial company before
        the headquarters)."""
        found = []
        for organisation in self.organisations:
            if organisation.kind is not kind or organisation.id is None:
                continue
            if brand is not None and organisation.carrier != brand:
                continue
            scope = reach_of(organisation)
            if scope.everything or region.startswith(scope.prefix):
                found.append((-len(scope.prefix), organisation.code, organisation))
        return min(found, key=lambda item: item[:2])[2] if found else None

    def has_carrier(self, brand: str) -> bool:
        return any(
            organisation.kind is OrganisationKind.carrier and organisation.carrier == brand
            for organisation in self.organisations
        )

    def carrier(self, brand: str, region: str) -> Organisation | None:
        return self._covering(OrganisationKind.carrier, brand, region)

    def regulator(self, region: str) -> Organisation:
        found = self._covering(OrganisationKind.regulator, None, region)
        if found is None:
            raise NotFoundError(
                _("No postal administration in the database covers region {code}.", code=region)
            )
        return found

    def acting(self, organisation: Organisation) -> Principal:
        carrier = organisation.kind is OrganisationKind.carrier
        role = CARRIER_DESK_ROLE if carrier else REGULATOR_DESK_ROLE
        return Principal(
            name="demo-service" if carrier else "demo-desk",
            organisation=organisation,
            permissions=self.roles.get(role, frozenset()),
            channel=Channel.local,
            roles=(role,),
        )


class _Replay:
    """Records the planned cases and takes their steps in the order they happened: each
    case opened at its receipt (consecutive openings in one transaction), each step at its
    moment by the side that takes it."""

    def __init__(self, store: Store, desks: _Desks, source: str) -> None:
        self.store, self.desks, self.source = store, desks, source
        self.references: dict[str, str] = {}
        self.versions: dict[str, int] = {}

    def run(self, cases: Sequence[PlannedCase]) -> None:
        events: list[tuple[datetime, int, int, PlannedCase, Move | None]] = []
        for number, case in enumerate(cases):
            events.append((case.received_at, 0, number, case, None))
            for order, planned in enumerate(case.moves, start=1):
                events.append((planned.at, order, number, case, planned))
        heapq.heapify(events)
        opening: list[PlannedCase] = []
        while events:
            _at, _order, _number, case, move = heapq.heappop(events)
            if move is None:
                opening.append(case)
                continue
            self.open(opening)
            opening = []
            self.take(case, move)
        self.open(opening)

    def _owner(self, case: PlannedCase) -> Organisation:
        if case.kind is CaseKind.appeal:
            return self.desks.regulator(case.region)
        return self._company(case)

    def _company(self, case: PlannedCase) -> Organisation:
        found = self.desks.carrier(case.carrier, case.region)
        if found is None:  # the parcels of brands without a desk were left out
            raise NotFoundError(_("No organisation of {brand} works cases.", brand=case.carrier))
        return found

    def open(self, cases: Sequence[PlannedCase]) -> None:
        if not cases:
            return
        drafts = []
        for case in cases:
            actor = self.desks.acting(self._owner(case))
            draft = CaseDraft(
                kind=case.kind,
                carrier=case.carrier,
                region=case.region,
                channel=case.channel,
                category=case.category,
                summary=case.summary,
                received_at=case.received_at,
                waybill=case.waybill,
                complainant=case.complainant,
                dispute_on=case.dispute_on,
                emergency=case.emergency,
                linked_reference=self.references.get(case.follows) if case.follows else None,
                source_reference=f"{self.source}-{case.key}",
            )
            refuse(check_draft(draft, now=case.received_at))
            check_opening(actor, draft)
            drafts.append((case, draft, actor))
        with transaction(self.store.sessions) as session:
            for case, draft, actor in drafts:
                record = open_in(session, self.store, draft, actor=actor, now=case.received_at)
                self.references[case.key] = record.reference
                self.versions[case.key] = record.version

    def take(self, case: PlannedCase, move: Move) -> None:
        company = self._company(case)
        carrier_side = case.kind is CaseKind.complaint or move.action in CARRIER_STEPS
        actor = self.desks.acting(company if carrier_side else self.desks.regulator(case.region))
        given = StepInput(
            answer=move.answer,
            reason=move.reason,
            finding_valid=move.finding_valid,
            finding_category=move.finding_category,
            call_back=move.call_back,
            carrier_organisation=company.code if move.forward else None,
            note=move.note,
        )
        view = take_step(
            self.store,
            self.references[case.key],
            move.action,
            expected_version=self.versions[case.key],
            given=given,
            actor=actor,
            now=move.at,
        )
        self.versions[case.key] = view.version


def _recorded(store: Store, case: PlannedCase, source: str) -> bool:
    with transaction(store.sessions) as session:
        return case_by_source(session, case.channel.value, f"{source}-{case.key}") is not None


def _summary(
    store: Store,
    season: SeasonComplaints,
    source: str,
    skipped: tuple[str, ...],
    sweep: SweepReport,
    *,
    already: bool = False,
) -> DemoCases:
    """The recorded cases as the database has them (state, clocks, finding)."""
    held: Counter[tuple[str, str]] = Counter()
    breached = valid = 0
    with transaction(store.sessions) as session:
        for case in season.cases:
            record = case_by_source(session, case.channel.value, f"{source}-{case.key}")
            if record is None:
                continue
            held[(record.kind, record.state)] += 1
            valid += bool(record.finding_valid)
            breached += sum(c.outcome == "breached" for c in case_clocks(session, record.id))
    missing = tuple(
        f"{kind.value}/{state}"
        for kind in (CaseKind.complaint, CaseKind.appeal)
        for state in states(kind)
        if not held[(kind.value, state)]
    )
    return DemoCases(
        complaints=sum(count for (kind, _s), count in held.items() if kind == "complaint"),
        appeals=sum(count for (kind, _s), count in held.items() if kind == "appeal"),
        emergency=sum(case.emergency for case in season.cases),
        valid=valid,
        held=tuple(
            (kind.value, state, held[(kind.value, state)])
            for kind in (CaseKind.complaint, CaseKind.appeal)
            for state in states(kind)
            if held[(kind.value, state)]
        ),
        breached=breached,
        sweep=sweep,
        skipped_carriers=skipped,
        missing_states=missing,
        already_recorded=already,
    )
