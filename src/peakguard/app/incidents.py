"""Incidents (突发事件信息报告): opening one with its first report (or a regulator's record),
follow-ups, the final report, corrections, reading and listing, and the blockage sweep.

Who may do what: ``incident.report`` lets a carrier report its own brand's incidents (a
provincial company inside its province) and a regulator record the incidents of its territory;
``incident.read`` lets a regulator read its territory's and a carrier its brand's. Outside a
caller's reach an incident is "not found". Every change is audited in its own transaction.

A blockage of the service network (服务网络阻断) starts the 24-hour clock of 快递市场管理办法
art. 39 at the moment the network was blocked; the carrier's first report stops it (met when at
or before the deadline). :func:`sweep_incidents` marks the clocks past their deadline breached,
once however many sweeps run, and alerts the regional regulator's duty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.alerts import raise_alert
from peakguard.app.announcements import AnnouncementView, announcement_view, new_announcement
from peakguard.app.audit import record_in
from peakguard.app.case_calendar import calendar_in, clock_rules
from peakguard.app.case_drafts import clean_text
from peakguard.cases.incidents import (
    BLOCKAGE_REPORT,
    IncidentState,
    IncidentType,
    ReportKind,
    blockage_due,
    check_figures,
    declares_blockage,
    opening,
    stops_blockage_clock,
    transition,
)
from peakguard.cases.model import Side
from peakguard.domain.regions import reference_regions
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.identity.territory import region_prefix
from peakguard.store import incidents as stored
from peakguard.store.case_clocks import sweep_lock
from peakguard.store.database import Store, transaction
from peakguard.store.incidents import IncidentClockRecord, IncidentRecord, ReportRecord

TEXT_LIMIT = 8000
REGION = re.compile(r"^[1-8][0-9]{5}$")
MAX_NODES = 200
FIRST_YEAR = 2000


@dataclass(frozen=True)
class IncidentDraft:
    """What the opening report says: the incident and its first report's text and figures."""

    incident_type: str
    carrier: str
    region: str
    period_start: datetime
    text: str
    period_end: datetime | None = None
    blocked: bool = False
    blocked_at: datetime | None = None
    """When the service network was blocked (default: the period's start)."""
    network: str | None = None
    nodes: tuple[str, ...] = ()
    description: str = ""
    figures: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ClockView:
    """The blockage clock with its rule, and where it stands at the moment of reading."""

    rule_key: str
    basis: str
    limit: int
    source: str
    started_at: datetime
    due_at: datetime
    outcome: str
    stopped_at: datetime | None
    breached_at: datetime | None
    time_left: timedelta | None
    """Before the deadline (negative: overdue), while it runs; None once stopped."""
    overdue: bool


@dataclass(frozen=True)
class IncidentView:
    incident: IncidentRecord
    reports: list[ReportRecord]
    clock: ClockView | None
    announcement: AnnouncementView | None

    @property
    def reference(self) -> str:
        return self.incident.reference

    @property
    def version(self) -> int:
        return self.incident.version

    @property
    def state(self) -> str:
        return self.incident.state


# -- access ------------------------------------------------------------------------------------


def may_read(actor: Principal, incident: IncidentRecord) -> bool:
    return reach(actor).covers(incident.carrier, incident.region)


def side_of(actor: Principal, carrier: str, region: str) -> Side | None:
    """The side ``actor`` reports as on an incident of ``carrier`` in ``region`` (None: the
    system, every side); ForbiddenError when it plays none."""
    require(actor, Permission.incident_report)
    kind = actor.organisation.kind
    if kind is OrganisationKind.system:
        return None
    if reach(actor).covers(carrier, region):
        if kind is OrganisationKind.regulator:
            return Side.regulator
        if kind is OrganisationKind.carrier:
            return Side.carrier
    raise ForbiddenError(
        _(
            "{who} may not report incidents of {carrier} in {region}: a carrier reports its own "
            "brand's incidents, a postal administration those of its territory.",
            who=actor.label(),
            carrier=carrier,
            region=region,
        )
    )


def visible_incident(session: Session, actor: Principal, reference: str) -> IncidentRecord:
    """The incident if ``actor`` may read it; "not found" otherwise."""
    require(actor, Permission.incident_read)
    incident = stored.load_incident(session, reference)
    if incident is None or not may_read(actor, incident):
        raise NotFoundError(_("No incident {reference} is within your reach.", reference=reference))
    return incident


def reportable_incident(session: Session, actor: Principal, reference: str) -> IncidentRecord:
    """The incident if ``actor`` may report on it ("not found" outside its reach)."""
    require(actor, Permission.incident_report)
    incident = stored.load_incident(session, reference)
    if incident is None or not may_read(actor, incident):
        raise NotFoundError(_("No incident {reference} is within your reach.", reference=reference))
    return incident


# -- opening -----------------------------------------------------------------------------------


def _check_draft(
    draft: IncidentDraft, session: Session, now: datetime
) -> tuple[list[Problem], str, str]:
    """Every mistake of the draft, located; the cleaned text and description."""
    problems: list[Problem] = []
    if draft.incident_type not in set(IncidentType):
        choices = ", ".join(IncidentType)
        problems.append(Problem("type", _("must be one of {choices}", choices=choices)))
    if not draft.carrier.strip():
        problems.append(Problem("carrier", _("is required")))
    if not REGION.match(draft.region) or draft.region not in reference_regions():
        problems.append(Problem("region", _("must be a six-digit GB/T 2260 code")))
    moments = (("start", draft.period_start), ("until", draft.period_end))
    for name, moment in (*moments, ("blocked_at", draft.blocked_at)):
        if moment is not None and moment.tzinfo is None:
            problems.append(Problem(name, _("must carry a time zone")))
        elif moment is not None and not FIRST_YEAR <= moment.year <= now.year + 1:
            message = _("must lie between {first} and next year", first=FIRST_YEAR)
            problems.append(Problem(name, message))
    if draft.period_end is not None and draft.period_end <= draft.period_start:
        problems.append(Problem("until", _("must be after the start")))
    if draft.blocked_at is not None and not draft.blocked:
        problems.append(Problem("blocked_at", _("is given only for a blockage")))
    text = clean_text(draft.text, "text", problems, TEXT_LIMIT) or ""
    if not text:
        problems.append(Problem("text", _("is required")))
    description = clean_text(draft.description, "description", problems, TEXT_LIMIT) or ""
    problems += _node_problems(session, draft)
    try:
        check_figures(draft.figures)
    except InvalidInputError as wrong:
        problems += wrong.problems
    return problems, text, description


def _node_problems(session: Session, draft: IncidentDraft) -> list[Problem]:
    if not draft.nodes:
        return []
    if draft.network is None:
        return [Problem("network", _("name the stored network the nodes are in"))]
    if len(draft.nodes) > MAX_NODES:
        return [Problem("nodes", _("at most {most} nodes", most=MAX_NODES))]
    nodes = stored.network_nodes(session, draft.network)
    if nodes is None:
        return [Problem("network", _("no stored network is named {name}", name=draft.network))]
    return [
        Problem(
            f"nodes[{index}]", _("network {name} has no node {node}", name=draft.network, node=node)
        )
        for index, node in enumerate(draft.nodes)
        if node not in nodes
    ]


def open_incident(
    store: Store, draft: IncidentDraft, *, actor: Principal, now: datetime | None = None
) -> IncidentView:
    """Open an incident with the carrier's first report or a regulator's record; a blockage
    starts its 24-hour clock (and is already met when the carrier opened it in time)."""
    moment = now or datetime.now(UTC)
    side = side_of(actor, draft.carrier, draft.region)
    kind, state = opening(side or Side.carrier)
    with transaction(store.sessions) as session:
        problems, text, description = _check_draft(draft, session, moment)
        if problems:
            raise InvalidInputError(_("The incident report has mistakes."), problems)
        year = moment.astimezone(UTC).year
        reference = stored.next_reference(session, year)
        new = stored.NewIncident(
            incident_type=draft.incident_type,
            state=state.value,
            carrier=draft.carrier.strip(),
            region=draft.region,
            reporting_organisation_id=actor.organisation.id,
            reporting_organisation=actor.organisation.code,
            network=draft.network,
            nodes=tuple(draft.nodes),
            period_start=draft.period_start,
            period_end=draft.period_end,
            blocked=draft.blocked,
            blocked_at=(draft.blocked_at or draft.period_start) if draft.blocked else None,
            description=description,
            opened_by=actor.label(),
        )
        incident = stored.insert_incident(session, new, reference, now=moment)
        stored.add_report(
            session,
            incident.id,
            kind=kind.value,
            author=actor.label(),
            organisation=actor.organisation.code,
            at=moment,
            text=text,
            figures=check_figures(draft.figures),
        )
        if incident.blocked:
            _start_clock(
                session, incident, reported_at=moment if kind is ReportKind.first else None
            )
            places = _places(session, incident)
            stored.update_incident(
                session,
                incident.id,
                incident.version,
                {"announcement": new_announcement(incident, places)},
                now=moment,
            )
        record_in(
            session,
            store,
            actor,
            "incident.open",
            "incident",
            reference,
            detail={"type": draft.incident_type, "report": kind.value, "blocked": draft.blocked},
            at=moment,
        )
        return view_in(session, reference, moment)


def _places(session: Session, incident: IncidentRecord) -> str:
    """Where, for the announcement: the region's name and the affected nodes' names."""
    region = reference_regions().get(incident.region)
    nodes = stored.network_nodes(session, incident.network) if incident.network else None
    names = [nodes[node][3] for node in incident.nodes if nodes is not None and node in nodes]
    where = region.name if region is not None else incident.region
    return f"{where} ({', '.join(names)})" if names else where


def _start_clock(
    session: Session, incident: IncidentRecord, *, reported_at: datetime | None
) -> None:
    rule = clock_rules()[BLOCKAGE_REPORT]
    started = incident.blocked_at or incident.period_start
    due = blockage_due(rule, started, calendar_in(session))
    clock_id = stored.start_incident_clock(
        session,
        incident.id,
        rule_key=rule.key,
        basis=rule.basis.value,
        limit_value=rule.limit,
        source=rule.source,
        started_at=started,
        due_at=due,
    )
    if reported_at is not None:
        stored.stop_incident_clock(session, clock_id, at=reported_at)


# -- reports -----------------------------------------------------------------------------------


def _checked_report(
    kind: str,
    text: str,
    figures: Mapping[str, object] | None,
    corrects: int | None,
    blocked_at: datetime | None,
) -> tuple[str, dict[str, int]]:
    """The report's text and figures; InvalidInputError locating every mistake."""
    problems: list[Problem] = []
    cleaned = clean_text(text, "text", problems, TEXT_LIMIT)
    if not cleaned:
        problems.append(Problem("text", _("is required")))
    try:
        kept = check_figures(figures or {})
    except InvalidInputError as wrong:
        problems += wrong.problems
        kept = {}
    if (kind == ReportKind.correction) != (corrects is not None):
        message = _("a correction, and only a correction, names the report it corrects")
        problems.append(Problem("corrects", message))
    if blocked_at is not None and (blocked_at.tzinfo is None or not declares_blockage(kind)):
        message = _("a first report or a follow-up declares a blockage, with its time zone")
        problems.append(Problem("blocked_at", message))
    if problems:
        raise InvalidInputError(_("The report has mistakes."), problems)
    return cleaned or "", kept


def add_report(
    store: Store,
    reference: str,
    kind: str,
    *,
    expected_version: int,
    text: str,
    figures: Mapping[str, object] | None = None,
    corrects: int | None = None,
    blocked_at: datetime | None = None,
    actor: Principal,
    now: datetime | None = None,
) -> IncidentView:
    """Append a follow-up, the final report (closes the incident), the carrier's first report
    or a correction (names the report it corrects). A carrier's report meets a running
    blockage clock; ``blocked_at`` declares a blockage that came after the opening."""
    moment = now or datetime.now(UTC)
    cleaned, kept = _checked_report(kind, text, figures, corrects, blocked_at)
    with transaction(store.sessions) as session:
        incident = reportable_incident(session, actor, reference)
        side = side_of(actor, incident.carrier, incident.region)
        if incident.version != expected_version:  # refused before the report is judged
            raise stored.stale(reference, expected_version, incident.version)
        move = transition(incident.state, kind, side)
        count = len(stored.incident_reports(session, incident.id))
        if corrects is not None and not 1 <= corrects <= count:
            problem = Problem("corrects", _("there is no report {seq}", seq=corrects))
            raise InvalidInputError(_("The report has mistakes."), [problem])
        changes: dict[str, object] = {"state": move.target.value}
        if move.target is IncidentState.closed and incident.closed_at is None:
            changes["closed_at"] = moment
        if blocked_at is not None:
            changes |= _blockage(session, incident, blocked_at)
        stored.update_incident(session, incident.id, expected_version, changes, now=moment)
        seq = stored.add_report(
            session, incident.id, kind=kind, author=actor.label(),
            organisation=actor.organisation.code, at=moment, text=cleaned, figures=kept,
            corrects=corrects,
        )  # fmt: skip
        if blocked_at is not None:
            blocked = replace(incident, blocked=True, blocked_at=blocked_at)
            _start_clock(session, blocked, reported_at=None)
        clock = stored.incident_clock(session, incident.id)
        if clock is not None and stops_blockage_clock(kind, side):
            stored.stop_incident_clock(session, clock.id, at=moment)
        detail = {"report": kind, "seq": seq, "state": move.target.value}
        record_in(session, store, actor, "incident.report", "incident", reference,
                  detail=detail | {"blocked": blocked_at is not None}, at=moment)  # fmt: skip
        return view_in(session, reference, moment)


def _blockage(
    session: Session, incident: IncidentRecord, blocked_at: datetime
) -> dict[str, object]:
    """The changes that record a blockage declared after the opening, with its announcement."""
    if incident.blocked:
        problem = Problem("blocked_at", _("the incident's blockage is recorded already"))
        raise InvalidInputError(_("The report has mistakes."), [problem])
    blocked = replace(incident, blocked=True, blocked_at=blocked_at)
    announcement = new_announcement(blocked, _places(session, blocked))
    return {"blocked": True, "blocked_at": blocked_at, "announcement": announcement}


# -- reading -----------------------------------------------------------------------------------


def clock_view(clock: IncidentClockRecord, now: datetime) -> ClockView:
    running = clock.stopped_at is None and clock.breached_at is None
    return ClockView(
        rule_key=clock.rule_key,
        basis=clock.basis,
        limit=clock.limit_value,
        source=clock.source,
        started_at=clock.started_at,
        due_at=clock.due_at,
        outcome=clock.outcome,
        stopped_at=clock.stopped_at,
        breached_at=clock.breached_at,
        time_left=clock.due_at - now if running else None,
        overdue=running and now > clock.due_at,
    )


def view_in(session: Session, reference: str, now: datetime) -> IncidentView:
    """The incident as its reader sees it at ``now`` (access checked by the caller)."""
    incident = stored.load_incident(session, reference)
    assert incident is not None
    clock = stored.incident_clock(session, incident.id)
    return IncidentView(
        incident=incident,
        reports=stored.incident_reports(session, incident.id),
        clock=None if clock is None else clock_view(clock, now),
        announcement=announcement_view(incident.announcement),
    )


def get_incident(
    store: Store, reference: str, *, actor: Principal, now: datetime | None = None
) -> IncidentView:
    """The incident with its reports in order, its clock and its announcement draft."""
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        visible_incident(session, actor, reference)
        return view_in(session, reference, moment)


@dataclass(frozen=True)
class IncidentRow:
    """One line of the incident list."""

    incident: IncidentRecord
    clock: ClockView | None


def list_incidents(
    store: Store,
    *,
    actor: Principal,
    state: str | None = None,
    now: datetime | None = None,
    limit: int = 200,
) -> list[IncidentRow]:
    """The incidents within ``actor``'s reach, open ones first, newest first."""
    require(actor, Permission.incident_read)
    moment = now or datetime.now(UTC)
    scope = reach(actor)
    if scope.nothing:
        return []
    with transaction(store.sessions) as session:
        found = stored.query_incidents(
            session,
            region_prefix="" if scope.everything else scope.prefix,
            carrier=None if scope.everything else scope.carrier,
            state=state,
            limit=limit,
        )
        clocks = stored.clocks_of(session, [incident.id for incident in found])
    return [
        IncidentRow(item, None if item.id not in clocks else clock_view(clocks[item.id], moment))
        for item in found
    ]


# -- the blockage sweep ------------------------------------------------------------------------

SWEEPER = Principal(
    name="sweep",
    organisation=LOCAL_ADMINISTRATOR.organisation,
    permissions=LOCAL_ADMINISTRATOR.permissions,
    channel=LOCAL_ADMINISTRATOR.channel,
    roles=("system",),
)
"""Who the audit trail names for what the sweep records."""


@dataclass(frozen=True)
class IncidentSweep:
    """What one sweep recorded (``ran`` False when another sweep held the lock)."""

    ran: bool
    breaches: int = 0
    alerts: int = 0
    examined: int = 0


def regional_office(session: Session, region: str) -> int | None:
    """The regulator office closest to ``region``: the city's, else the province's, else the
    national office (None: no regulator is set up)."""
    best: tuple[int, int] | None = None
    for office_id, level, office_region in stored.regulator_offices(session):
        known = RegulatorLevel(level) if level in set(RegulatorLevel) else None
        if office_region is None or known is RegulatorLevel.national:
            prefix = ""
        else:
            prefix = region_prefix(office_region, known)
        if region.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), office_id)
    return None if best is None else best[1]


def sweep_incidents(store: Store, *, now: datetime | None = None) -> IncidentSweep:
    """Mark every blockage clock past its deadline without the carrier's first report breached,
    once (a conditional update under the sweep's lock), audit it and alert the regional
    regulator's duty. Catches up on every clock missed while no sweep ran."""
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        if not sweep_lock(session):
            return IncidentSweep(ran=False)
        breaches = alerts = examined = 0
        for clock in stored.overdue_clocks(session, now=moment):
            examined += 1
            if not stored.mark_incident_breached_once(session, clock.id, moment):
                continue
            breaches += 1
            incident = stored.load_incident_by_id(session, clock.incident_id)
            if incident is None:
                continue
            record_in(
                session,
                store,
                SWEEPER,
                "incident.clock_breached",
                "incident",
                incident.reference,
                detail={"clock": clock.rule_key, "due_at": clock.due_at.isoformat()},
                at=moment,
            )
            office = regional_office(session, incident.region)
            if office is not None:
                raise_alert(
                    session,
                    organisation_id=office,
                    kind="incident.blockage",
                    subject=f"incident:{incident.reference}",
                    summary=_(
                        "{carrier}'s network blockage {reference} in {region} has had no first "
                        "report within {limit} hours (due {due}).",
                        carrier=incident.carrier,
                        reference=incident.reference,
                        region=incident.region,
                        limit=clock.limit_value,
                        due=clock.due_at,
                    ),
                    raised_at=moment,
                    dedupe_key=f"incident.blockage:{incident.reference}",
                )
                alerts += 1
    return IncidentSweep(ran=True, breaches=breaches, alerts=alerts, examined=examined)
