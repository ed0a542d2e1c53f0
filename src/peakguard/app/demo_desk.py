"""The demo season's operations desk, recorded as the organisations would do the work.

The script (:mod:`peakguard.demo.desk_season`) says who does what and when; this module does it
through the desk's operations, each at its simulated moment and in the order it happened: the
duty rosters of the demo's offices; each carrier company's daily reports (ZTO Sichuan by file,
SF Sichuan through the API, a few late, one with a typo corrected later); the
deadline sweep at each deadline and again in the evening; the provincial office's morning
evaluation of warnings from the carriers' reported hub backlogs; the road-cut incident's first
report, reroute, follow-up and final report with the blockage sweep; the level III plan proposed
from a warning, activated, its actions checked off and terminated; the duty acknowledging its
alerts (once late, so the alert escalates) and the alert sweep.

The demo's scan-event lake is a sample of 0.1 % of the season's parcels: the reports are not
checked against it (their figures are whole counts), and the warnings are evaluated from the
reports' hub backlogs, not from the lake. No forecast job runs in the demo: the forecast check
says "not checked".

Recording is idempotent per database: a season whose first report is stored is not recorded
again; the summary is read back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import partial

from peakguard.app.access import require
from peakguard.app.accounts import list_organisations, list_roles, list_users
from peakguard.app.alerts import acknowledge, office_alerts, sweep_alerts
from peakguard.app.daily_reports import Submission, list_reports, report_flags, submit_reports
from peakguard.app.daily_rollup import sweep_reports
from peakguard.app.duty import WatchInput, get_roster, set_roster
from peakguard.app.emergency import (
    check_action,
    list_activations,
    plans_in_force,
    propose_for_warning,
    take_step,
)
from peakguard.app.incident_reroute import plan_incident_reroute
from peakguard.app.incidents import (
    IncidentDraft,
    add_report,
    list_incidents,
    open_incident,
    sweep_incidents,
)
from peakguard.app.observed_warnings import evaluate_warnings, read_warnings
from peakguard.cases.daily_reports import DEFAULT_SETTINGS, ReportKey, report_deadline
from peakguard.cases.emergency_plans import LEVELS, Plans
from peakguard.demo.desk_season import (
    CityDay,
    DemoDesk,
    DeskSeason,
    ResponseScript,
    Sending,
    desk_season,
)
from peakguard.domain.network import Network
from peakguard.identity.model import Channel, Organisation, OrganisationKind, Permission, Principal
from peakguard.simulate.scenario import Scenario
from peakguard.store.daily_reports import ReportFilter
from peakguard.store.database import Store

PROVINCE = "510000"
DUTY = Permission.duty_keep
NATIONAL = "spb"
REPORTER_ROLE = "data_reporter"
SWEEP_SETTINGS = DEFAULT_SETTINGS.__class__(catch_up_days=1)
"""Each sweep judges the day whose deadline passed last (the demo sweeps every day)."""
ACKNOWLEDGED_AFTER = timedelta(minutes=8)
ACKNOWLEDGED_LATE = timedelta(minutes=40)
"""The busy morning the duty answers late: its alerts escalate first."""


class _People:
    """The demo's users as the principals they act as, by organisation."""

    def __init__(self, store: Store, actor: Principal) -> None:
        self.organisations = {o.code: o for o in list_organisations(store, actor)}
        self.roles = {role.name: role.permissions for role in list_roles(store)}
        self.users: dict[str, list[Principal]] = {}
        for user in list_users(store, actor):
            organisation = self.organisations.get(user.organisation)
            if organisation is None or user.disabled:
                continue
            permissions = frozenset().union(*(self.roles.get(r, frozenset()) for r in user.roles))
            self.users.setdefault(user.organisation, []).append(
                Principal(user.username, organisation, permissions, Channel.local, user.roles)
            )

    def offices(self) -> list[str]:
        """The codes of the regulators and carrier companies with users: the duty offices."""
        desks = (OrganisationKind.regulator, OrganisationKind.carrier)
        return [code for code in sorted(self.users) if self.organisations[code].kind in desks]

    def of(self, code: str) -> list[Principal]:
        return self.users.get(code, [])

    def holding(self, code: str, permission: Permission) -> Principal | None:
        return next((p for p in self.of(code) if p.may(permission)), None)

    def company(self, brand: str, province: str = PROVINCE) -> Organisation | None:
        return next(
            (
                o
                for o in self.organisations.values()
                if o.kind is OrganisationKind.carrier
                and o.carrier == brand
                and o.region == province
            ),
            None,
        )

    def reporter(self, brand: str) -> Principal | None:
        """Who sends the company's reports: a user allowed to, else its API token."""
        company = self.company(brand)
        if company is None:
            return None
        found = self.holding(company.code, Permission.report_submit)
        if found is not None:
            return found
        permissions = self.roles.get(REPORTER_ROLE, frozenset())
        return Principal(f"{company.code}-api", company, permissions, Channel.token)

    def headquarters(self, brand: str) -> Organisation | None:
        return next(
            (
                o
                for o in self.organisations.values()
                if o.kind is OrganisationKind.carrier and o.carrier == brand and o.region is None
            ),
            None,
        )


def record_demo_desk(
    store: Store,
    network: Network,
    scenario: Scenario,
    figures: Mapping[ReportKey, CityDay],
    *,
    seed: int,
    actor: Principal,
    drained: Mapping[str, int] | None = None,
    plans: Plans | None = None,
) -> DemoDesk:
    """Record the season's desk (see the module's docstring) as ``actor`` (an administrator)
    and the demo's organisations; ``figures``: the carriers' season figures
    (:func:`~peakguard.demo.desk_season.season_figures`), ``drained``: the hubs' backlogs the
    day after the last reported one."""
    require(actor, Permission.admin_manage)
    plans = plans or plans_in_force()
    people = _People(store, actor)
    brands = sorted({key.carrier for key in figures})
    present = [brand for brand in brands if people.company(brand) is not None]
    figures = {key: value for key, value in figures.items() if key.carrier in present}
    script = desk_season(network, scenario, figures, seed=seed, plans=plans, drained=drained)
    left = tuple(sorted(set(brands) - set(present)))
    first = script.sendings[0].reports[0].key if script.sendings else None
    if first is None or _recorded(store, actor, first):
        return _summary(store, actor, script, people, left, already=first is not None)
    _Replay(store, actor, network, script, people, plans).run()
    return _summary(store, actor, script, people, left)


def _recorded(store: Store, actor: Principal, key: ReportKey) -> bool:
    chosen = ReportFilter(key.region, key.carrier, key.day, key.day)
    return list_reports(store, actor, chosen, limit=1).total > 0


Event = tuple[datetime, int, Callable[[], None]]


class _Replay:
    """Does the script's steps in the order of their moments."""

    def __init__(
        self,
        store: Store,
        actor: Principal,
        network: Network,
        script: DeskSeason,
        people: _People,
        plans: Plans,
    ) -> None:
        self.store, self.actor, self.network = store, actor, network
        self.script, self.people, self.plans = script, people, plans
        self.events: list[Event] = []
        self.incident: tuple[str, int] | None = None
        self.activation: tuple[int, int] | None = None

    def at(self, moment: datetime, step: Callable[[], None], order: int = 5) -> None:
        self.events.append((moment, order, step))

    def run(self) -> None:
        script = self.script
        self.rosters()
        for sending in script.sendings:
            self.at(sending.at, partial(self.send, sending))
        for day in script.days:
            deadline = report_deadline(day, SWEEP_SETTINGS)
            for moment in (deadline + timedelta(minutes=1), deadline + timedelta(hours=13)):
                self.at(moment, partial(self.sweep, moment), order=1)
        for morning in script.mornings:
            self.at(morning, partial(self.evaluate, morning), order=2)
            delay = ACKNOWLEDGED_LATE if morning == script.busy_morning else ACKNOWLEDGED_AFTER
            self.acknowledging(morning + delay)
            self.at(
                morning + timedelta(hours=13),
                partial(self.alerts, morning + timedelta(hours=13)),
                9,
            )
        self.incident_steps()
        self.response_steps()
        for *_when, step in sorted(self.events, key=lambda event: event[:2]):
            step()

    def rosters(self) -> None:
        first = self.script.days[0] - timedelta(days=1)
        last = self.script.days[-1] + timedelta(days=4)
        moment = self.script.sendings[0].at - timedelta(days=1)
        for code in self.people.offices():
            self.at(moment, partial(self.roster, code, first, last), order=0)

    def roster(self, code: str, first: date, last: date) -> None:
        users = self.people.of(code)
        leader = next((p.name for p in users if "director" in p.roles), None)
        keepers = sorted(users, key=lambda p: (not p.may(Permission.duty_keep), p.name))
        officers = tuple(p.name for p in keepers if p.name != leader)
        if leader is None and not officers:
            return
        read = get_roster(self.store, self.actor, first=first, last=last, office=code)
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        watches = [
            WatchInput(day, shift.name, leader, officers) for day in days for shift in read.shifts
        ]
        set_roster(
            self.store,
            self.actor,
            first=first,
            last=last,
            watches=watches,
            expected_version=read.version,
            office=code,
            now=self.script.sendings[0].at - timedelta(days=1),
        )

    def send(self, sending: Sending) -> None:
        reporter = self.people.reporter(sending.carrier)
        if reporter is None:
            return
        submissions = [
            Submission(
                region=report.key.region,
                day=report.key.day,
                content=report.content(typo=sending.typo and report.key == self.script.implausible),
                reason=sending.reason,
            )
            for report in sending.reports
        ]
        channel = "api" if sending.channel == "api" else "file"
        submit_reports(self.store, reporter, submissions, channel=channel, now=sending.at)

    def sweep(self, moment: datetime) -> None:
        sweep_reports(self.store, now=moment, settings=SWEEP_SETTINGS)

    def evaluate(self, moment: datetime) -> None:
        # The demo network reaches beyond Sichuan (its gateways): the national office, whose
        # territory covers it whole, evaluates it (a provincial office may not).
        evaluator = self.people.holding(NATIONAL, Permission.simulation_run)
        evaluate_warnings(
            self.store,
            actor=evaluator or self.actor,
            now=moment,
            network_name=self.network.name,
            events=None,
        )

    def acknowledging(self, moment: datetime) -> None:
        self.at(moment - timedelta(minutes=1), lambda: self.alerts(moment), order=8)
        self.at(moment, lambda: self.acknowledge(moment), order=9)

    def alerts(self, moment: datetime) -> None:
        sweep_alerts(self.store, now=moment)

    def acknowledge(self, moment: datetime) -> None:
        for code in self.people.offices():
            keeper = self.people.holding(code, Permission.duty_keep)
            if keeper is None:
                continue
            for alert in office_alerts(self.store, self.actor, open_only=True, office=code):
                if alert.raised_at <= moment:
                    acknowledge(self.store, keeper, alert.id, now=moment)

    def incident_steps(self) -> None:
        plan = self.script.incident
        if plan is None:
            return
        reporter = self.people.reporter(plan.carrier)
        headquarters = self.people.headquarters(plan.carrier)
        planner = (
            self.people.holding(headquarters.code, Permission.plan_run) if headquarters else None
        )
        if reporter is None:
            return

        def first() -> None:
            draft = IncidentDraft(
                incident_type="road_cut",
                carrier=plan.carrier,
                region=plan.region,
                period_start=plan.blocked_at,
                period_end=plan.ends_at,
                blocked=True,
                network=self.network.name,
                nodes=(plan.hub,),
                text=(
                    f"{plan.hub_name}: {plan.reason}. 进出分拨中心道路中断，暂停进出港，"
                    f"场内积压约 {plan.parcels_held} 件。"
                ),
                figures={"parcels_held": plan.parcels_held, "hubs_affected": 1},
            )
            view = open_incident(self.store, draft, actor=reporter, now=plan.first_report_at)
            self.incident = (view.reference, view.version)

        def reroute() -> None:
            if self.incident is not None and planner is not None:
                reference, version = self.incident
                view = plan_incident_reroute(
                    self.store, planner, reference, expected_version=version, now=plan.reroute_at
                )
                self.incident = (reference, view.version)

        def report(kind: str, at: datetime, text: str, held: int) -> None:
            if self.incident is None:
                return
            reference, version = self.incident
            view = add_report(
                self.store,
                reference,
                kind,
                expected_version=version,
                text=text,
                figures={"parcels_held": held},
                actor=reporter,
                now=at,
            )
            self.incident = (reference, view.version)

        self.at(plan.first_report_at, first)
        self.at(plan.reroute_at, reroute)
        follow = f"按备用分拨中心绕行，场内积压约 {plan.parcels_held_later} 件。"
        self.at(
            plan.follow_up_at,
            lambda: report("follow_up", plan.follow_up_at, follow, plan.parcels_held_later),
        )
        final = "道路恢复通行，分拨中心恢复进出港，积压邮件快件正在疏运。"
        self.at(plan.final_at, lambda: report("final", plan.final_at, final, 0))
        for moment in (plan.blocked_at + timedelta(hours=24, minutes=5), plan.final_at):
            self.at(moment, partial(self._sweep_incidents, moment), order=1)

    def _sweep_incidents(self, moment: datetime) -> None:
        sweep_incidents(self.store, now=moment)

    def propose(self, response: ResponseScript, commander: Principal) -> None:
        """The plan proposed from the open warning on the script's hub."""
        found, _total = read_warnings(
            self.store,
            actor=self.actor,
            network_name=self.network.name,
            node_id=response.trigger_hub,
            states=("raised", "acknowledged"),
            limit=1,
        )
        if not found:
            return
        warning = found[0]
        view = propose_for_warning(
            self.store,
            warning_level=LEVELS[warning.level - 1],
            backlog_ratio=response.facts["backlog_ratio"],
            region=PROVINCE,
            trigger=f"warning:{warning.id}",
            actor=commander,
            node=response.trigger_hub,
            extra={"overflowing_hub_share": response.facts["overflowing_hub_share"]},
            plans=self.plans,
            now=response.proposed_at,
        )
        if view is not None:
            self.activation = (view.id, view.version)

    def response_steps(self) -> None:
        response = self.script.response
        office = self.people.organisations.get("spb-sc")
        commander = self.people.holding("spb-sc", Permission.emergency_command) if office else None
        keeper = self.people.holding("spb-sc", Permission.duty_keep) if office else None
        if response is None or commander is None or keeper is None:
            return

        def step(name: str, at: datetime, reason: str | None = None) -> None:
            if self.activation is None:
                return
            view = take_step(
                self.store,
                self.activation[0],
                name,
                expected_version=self.activation[1],
                actor=commander,
                reason=reason,
                plans=self.plans,
                now=at,
            )
            self.activation = (view.id, view.version)

        def check(action: str, role: str, at: datetime) -> None:
            if self.activation is None:
                return
            # The action's responsible role checks it off where the office has one on duty.
            doer = next(
                (p for p in self.people.of("spb-sc") if role in p.roles and p.may(DUTY)), keeper
            )
            view = check_action(
                self.store,
                self.activation[0],
                action,
                expected_version=self.activation[1],
                actor=doer,
                note="已落实",
                plans=self.plans,
                now=at,
            )
            self.activation = (view.id, view.version)

        self.at(response.proposed_at, partial(self.propose, response, commander), order=3)
        self.at(response.activated_at, lambda: step("activate", response.activated_at), order=3)
        self.acknowledging(response.activated_at + timedelta(minutes=4))
        for at, action, role in response.checks:
            self.at(at, partial(check, action, role, at), order=3)
        reason = (
            f"{response.drained_day.isoformat()} 日终 {response.hubs_watched} 个分拨中心中 "
            f"{response.full_hubs_drained} 个爆仓，积压已疏运，终止响应。"
        )
        self.at(
            response.terminated_at,
            lambda: step("terminate", response.terminated_at, reason),
            order=3,
        )


def _summary(
    store: Store,
    actor: Principal,
    script: DeskSeason,
    people: _People,
    left: tuple[str, ...],
    *,
    already: bool = False,
) -> DemoDesk:
    """What the database holds of the season's desk."""
    days = script.days
    chosen = ReportFilter(day_from=days[0], day_to=days[-1]) if days else ReportFilter()
    page = list_reports(store, actor, chosen, limit=1)
    flags = report_flags(store, actor, chosen)
    kinds = Counter(flag.kind for flag in flags)

    def where(key: ReportKey) -> str:
        return f"{key.carrier} {key.region} {key.day.isoformat()}"

    late = tuple(where(flag.key) for flag in flags if flag.kind == "late")
    implausible = tuple(
        (where(flag.key), flag.reason)
        for flag in flags
        if flag.kind in ("forecast", "scans", "parts", "jump")
    )
    versions = _versions(store, actor, chosen, page.total)
    incident, clock, backups = _incident(store, actor, script)
    warnings = read_warnings(store, actor=actor, network_name=None, limit=1)[1]
    activation = _activation(store, actor, script)
    alerts = acknowledged = escalated = 0
    for code in people.offices():
        for alert in office_alerts(store, actor, office=code):
            alerts += 1
            acknowledged += alert.acknowledged_at is not None
            escalated += alert.step
    rostered = tuple(
        code
        for code in people.offices()
        if days
        and get_roster(store, actor, first=days[0], last=days[0], office=code).watches[0].staffed
    )
    return DemoDesk(
        reports=page.total,
        versions=versions,
        flags=dict(kinds),
        late=late,
        implausible=implausible,
        incident=incident,
        clock=clock,
        backups=backups,
        warnings=warnings,
        activation=activation,
        alerts=alerts,
        acknowledged=acknowledged,
        escalated=escalated,
        rostered=rostered,
        left_out=left,
        already_recorded=already,
    )


def _versions(store: Store, actor: Principal, chosen: ReportFilter, total: int) -> int:
    count = 0
    offset = 0
    while offset < total:
        page = list_reports(store, actor, chosen, limit=500, offset=offset)
        count += sum(report.version for report in page.reports)
        offset += len(page.reports) or total
    return count


def _incident(
    store: Store, actor: Principal, script: DeskSeason
) -> tuple[str | None, str | None, int]:
    plan = script.incident
    if plan is None:
        return None, None, 0
    for row in list_incidents(store, actor=actor):
        found = row.incident
        if (found.carrier, found.region, found.incident_type) != (
            plan.carrier,
            plan.region,
            "road_cut",
        ) or found.period_start != plan.blocked_at:
            continue
        reroute = found.reroute or {}
        backups = sum(len(c.get("backups", [])) for c in reroute.get("closures", []))
        clock = row.clock.outcome if row.clock is not None else None
        return found.reference, clock, backups
    return None, None, 0


def _activation(store: Store, actor: Principal, script: DeskSeason) -> str | None:
    response = script.response
    if response is None:
        return None
    for view in list_activations(store, actor=actor, drill=False):
        record = view.record
        if record.plan_key != response.plan or not (record.trigger or "").startswith("warning:"):
            continue
        checked = sum(1 for action in view.actions if action.check is not None)
        return f"{record.plan_key} {record.level} {record.state} ({checked}/{len(view.actions)})"
    return None
