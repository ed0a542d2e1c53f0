"""The plan report: one self-contained HTML page about a staggered pickup plan (错峰发货).

Written for a carrier's network planner and the regulator: what the plan asks of the carriers
(parcels picked up later than released, the delay, its fairness), whether it keeps the nodes
inside capacity, what the simulator says it does to the hubs (peak storage utilisation, overflow
hours, on-time rate), the pickups per carrier per day against what the platforms released, the
temporary capacity still needed and where capacity falls short. Everything is inline (CSS and
SVG), as in :mod:`peakguard.web.report`, whose Jinja environment, names and cards this module
reuses; chart geometry lives in :mod:`.plan_charts`.
"""

from __future__ import annotations

import pathlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import peakguard
from peakguard import i18n
from peakguard.domain.network import Network, NodeKind
from peakguard.domain.regions import prefecture_code
from peakguard.i18n import Message, _
from peakguard.optimize.comparison import PlanComparison, RunFigures
from peakguard.optimize.reroute import ReroutePlan
from peakguard.optimize.shortfall_reserves import Reserve
from peakguard.optimize.stagger import PickupPlan
from peakguard.simulate.plan import StoragePolicy
from peakguard.web.page_kit import (
    KIND_NAMES,
    STORAGE_POLICIES,
    Card,
    Fact,
    Places,
    html_lang,
    page_language,
    template_environment,
)
from peakguard.web.plan_charts import (
    FULL,
    CarrierPanel,
    HubChart,
    HubLoad,
    PlanFormats,
    carrier_panel,
    hub_chart,
)

MAX_HUBS = 40
"""Hubs drawn in the before-and-after chart: the fullest (unplanned or planned) first."""
MAX_ORIGINS = 15
"""Origins listed by delay, the most parcel-days first."""
MAX_SHORTFALL_ROWS = 40
"""Shortfalls listed, the largest excess first."""
METHOD_DOCUMENT = "docs/explanation/staggering.md"
_PATH_MARK = "\x00"

_SHORTFALL_KINDS: dict[str, Message] = {
    "sorting": _("sorting (a shift)"),
    "storage": _("storage (at an hour)"),
    "closed": _("closed"),
}


@dataclass(frozen=True)
class ChangeCard:
    """A simulator figure without the plan and with it."""

    key: str
    label: str
    before: str
    after: str
    detail: str
    change: str
    """``better``, ``worse`` or ``same``."""


@dataclass(frozen=True)
class BackupRow:
    node_id: str
    label: str
    share: str
    parcels: str
    origins: int
    destinations: int
    added: str
    spare: str
    automated: str


@dataclass(frozen=True)
class StatusCard:
    status: str
    """``inside`` (every node), ``hubs`` (every open hub) or ``least-overflow``."""
    label: str
    value: str
    detail: str


@dataclass(frozen=True)
class OverflowRow:
    node_id: str
    label: str
    caption: str
    peak_before: str
    peak_after: str
    overflow_hours_before: int
    overflow_hours_after: int
    full_hours_before: int
    full_hours_after: int
    blocked_before: str
    blocked_after: str


@dataclass(frozen=True)
class DayRow:
    day: str
    day_label: str
    released: float
    picked_up: float
    released_text: str
    picked_up_text: str
    difference_text: str
    waiting_text: str


@dataclass(frozen=True)
class CarrierTable:
    carrier: str
    name: str
    rows: tuple[DayRow, ...]
    released_text: str
    picked_up_text: str


@dataclass(frozen=True)
class OriginRow:
    node_id: str
    label: str
    caption: str
    released: str
    delayed: str
    delay_days: str
    mean_delay: str


@dataclass(frozen=True)
class ReserveRow:
    node_id: str
    label: str
    what: str
    sorting: int
    storage: int
    start: str
    end: str


@dataclass(frozen=True)
class ShortfallRow:
    node_id: str
    label: str
    kind: str
    kind_label: str
    start: str
    hours: int
    limit: str
    load: str
    excess: str
    excess_value: float
    unavoidable: bool
    unavoidable_label: str


def render_plan_report(
    plan: PickupPlan,
    comparison: PlanComparison | None,
    *,
    language: str,
    reserves: Sequence[Reserve] = (),
    place_names: Mapping[str, str] | None = None,
    reroute: ReroutePlan | None = None,
) -> str:
    """The report as one HTML page in ``language`` (``zh_CN`` or ``en``).

    ``comparison`` is the simulator's check of the plan; without it the hub chart shows the
    program's own (free-flow) peaks. ``place_names`` maps region codes to English names (used
    when ``language`` is English; a region without one keeps its Chinese name).
    """
    language = page_language(language)
    page = _PlanPage(plan, comparison, language, place_names or {})
    text = page.formats.text
    hubs, hubs_note = page.hub_chart()
    panels, tables = page.carriers()
    shortfalls, shortfalls_note = page.shortfalls()
    template = template_environment(language).get_template("plan_report.html")
    return template.render(
        html_lang=html_lang(language),
        title=text(_("Staggered pickup plan: {scenario}", scenario=plan.scenario)),
        facts=page.facts(),
        generated=text(
            _(
                "Planned by peakguard {version} on network {network}.",
                version=peakguard.__version__,
                network=plan.network,
            )
        ),
        summary=page.summary(),
        status=page.status(),
        cards=page.cards(),
        changes=page.changes(),
        simulated=comparison is not None,
        hubs=hubs,
        hubs_note=hubs_note,
        overflow_rows=page.overflow_rows(),
        panels=panels,
        carrier_tables=tables,
        origins=page.origins(),
        origins_note=page.origins_note(),
        reserves=page.reserves(reserves),
        backups=page.backups(reroute),
        reroute_note=page.reroute_note(reroute),
        shortfalls=shortfalls,
        shortfalls_note=shortfalls_note,
        method=page.method(),
        reference=page.reference(),
        method_document=METHOD_DOCUMENT,
    )


def write_plan_report(
    plan: PickupPlan,
    comparison: PlanComparison | None,
    path: pathlib.Path,
    *,
    language: str,
    reserves: Sequence[Reserve] = (),
    place_names: Mapping[str, str] | None = None,
    reroute: ReroutePlan | None = None,
) -> pathlib.Path:
    """Write :func:`render_plan_report` to ``path`` (UTF-8) and return the path."""
    html = render_plan_report(
        plan,
        comparison,
        language=language,
        reserves=reserves,
        place_names=place_names,
        reroute=reroute,
    )
    path.write_text(html, encoding="utf-8")
    return path


class _Names:
    """Node and carrier names in the report's language (node ids alone without a network)."""

    def __init__(
        self, network: Network | None, language: str, place_names: Mapping[str, str]
    ) -> None:
        self.network = network
        self.language = language
        self.nodes = network.node_index() if network else {}
        self.places = Places(network, language, place_names) if network else None
        self.carriers = {
            carrier.code: (carrier.name_en or carrier.name) if language == "en" else carrier.name
            for carrier in (network.carriers if network else [])
        }
        self.carrier_order = list(self.carriers)

    def carrier(self, code: str) -> str:
        return self.carriers.get(code, code)

    def label(self, node_id: str) -> str:
        """A short name: the node's own in Chinese; city, carrier (and kind) in English."""
        node = self.nodes.get(node_id)
        if node is None or self.places is None:
            return node_id
        if self.language != "en":
            return node.name
        parts = [self.places.city(prefecture_code(node.region)), self.carrier(node.carrier)]
        if node.kind is not NodeKind.hub:
            parts.append(i18n.render(KIND_NAMES[node.kind], self.language))
        return " · ".join(parts)

    def caption(self, node_id: str) -> str:
        """Carrier, place and kind."""
        node = self.nodes.get(node_id)
        if node is None or self.places is None:
            return ""
        return " · ".join(
            (
                self.carrier(node.carrier),
                self.places.name(node.region),
                i18n.render(KIND_NAMES[node.kind], self.language),
            )
        )


class _PlanPage:
    """The report's sections for one plan, comparison and language."""

    def __init__(
        self,
        plan: PickupPlan,
        comparison: PlanComparison | None,
        language: str,
        place_names: Mapping[str, str],
    ) -> None:
        self.plan = plan
        self.comparison = comparison
        self.language = language
        self.formats = PlanFormats(language)
        network = comparison.unplanned_result.network if comparison else None
        self.network = network
        self.names = _Names(network, language, place_names)

    def text(self, message: Message) -> str:
        return self.formats.text(message)

    def join(self, parts: Sequence[str]) -> str:
        return ("、" if self.language == "zh_CN" else ", ").join(parts)

    # --- header, summary and cards -----------------------------------------------------------

    def facts(self) -> tuple[Fact, ...]:
        plan, formats = self.plan, self.formats
        days = sorted({quota.day for quota in plan.quotas})
        period = (
            self.text(
                _(
                    "pickups from {first} to {last} ({days} days)",
                    first=days[0].isoformat(),
                    last=days[-1].isoformat(),
                    days=(days[-1] - days[0]).days + 1,
                )
            )
            if days
            else self.text(_("none"))
        )
        parameters = plan.parameters
        margins = self.text(
            _(
                "sorting up to {sorting} of each shift's capacity; storage up to {storage} of "
                "each node's, at its {hours} fullest hours of the day",
                sorting=formats.percent(parameters.sorting_margin),
                storage=formats.percent(parameters.storage_margin),
                hours=parameters.storage_hours_per_day,
            )
        )
        statistics = plan.statistics
        program = self.text(
            _(
                "{rows} rows, {columns} columns; built in {build} s, solved in {solve} s",
                rows=formats.number(statistics.rows),
                columns=formats.number(statistics.columns),
                build=formats.decimal(statistics.build_seconds),
                solve=formats.decimal(statistics.solve_seconds),
            )
        )
        network = self.network.title or self.network.name if self.network else plan.network
        if self.comparison is None:
            check = self.text(_("not simulated"))
        else:
            policy = self.comparison.unplanned_result.scenario.storage_policy
            check = self.text(STORAGE_POLICIES[policy])
        return (
            Fact(self.text(_("Network")), network),
            Fact(self.text(_("Scenario")), plan.scenario),
            Fact(self.text(_("Pickup days")), period),
            Fact(self.text(_("Margins (local policy)")), margins),
            Fact(self.text(_("Linear program")), program),
            Fact(self.text(_("Checked by simulation")), check),
        )

    def summary(self) -> str:
        plan, number = self.plan, self.formats.number
        sentences = [
            _(
                "The plan picks up {parcels} parcels released by the platforms; {delayed} of "
                "them ({share}) are picked up after the day they were released, for {days} "
                "parcel-days of delay in all.",
                parcels=number(plan.parcels),
                delayed=number(plan.delayed_parcels),
                share=self.formats.percent(plan.delayed_parcels / plan.parcels, decimals=1)
                if plan.parcels
                else "–",
                days=number(plan.delay_parcel_days),
            )
        ]
        if plan.within_capacity:
            sentences.append(_("Every node stays inside capacity."))
        elif plan.hubs_within_capacity:
            sentences.append(
                _(
                    "Every open hub stays inside capacity; {count} shifts or hours at other "
                    "nodes or closed hubs fall short.",
                    count=number(len(plan.shortfalls)),
                )
            )
        else:
            sentences.append(
                _(
                    "No plan stays inside capacity: this is the least-overflow plan, "
                    "{parcels} parcels over capacity in {count} shifts or hours.",
                    parcels=number(plan.overflow),
                    count=number(len(plan.shortfalls)),
                )
            )
        if self.comparison is not None:
            before, after = self.comparison.unplanned, self.comparison.planned
            sentences.append(
                _(
                    "In simulation, the hubs that overflow go from {before} without the plan "
                    "to {after} with it, and their hours over storage capacity from "
                    "{before_hours} to {after_hours}.",
                    after=number(after.hubs_overflowing),
                    after_hours=number(after.hub_overflow_hours),
                    before=number(before.hubs_overflowing),
                    before_hours=number(before.hub_overflow_hours),
                )
            )
        return " ".join(self.text(sentence) for sentence in sentences)

    def status(self) -> StatusCard:
        plan, number = self.plan, self.formats.number
        if plan.within_capacity:
            return StatusCard(
                "inside",
                self.text(_("Capacity")),
                self.text(_("Inside capacity")),
                self.text(_("every node, every shift and every checked hour")),
            )
        shortfalls = self.text(
            _(
                "{count} shortfalls, {parcels} parcels over capacity",
                count=number(len(plan.shortfalls)),
                parcels=number(plan.overflow),
            )
        )
        if plan.hubs_within_capacity:
            return StatusCard(
                "hubs",
                self.text(_("Capacity")),
                self.text(_("Open hubs inside capacity")),
                self.text(_("other nodes or closed hubs: {shortfalls}", shortfalls=shortfalls)),
            )
        return StatusCard(
            "least-overflow",
            self.text(_("Capacity")),
            self.text(_("Least-overflow plan")),
            shortfalls,
        )

    def cards(self) -> tuple[Card, ...]:
        plan, formats = self.plan, self.formats
        return (
            Card(
                self.text(_("Parcels released")),
                formats.number(plan.parcels),
                self.text(_("parcels to pick up within their windows")),
            ),
            Card(
                self.text(_("Parcels picked up later than released")),
                formats.number(plan.delayed_parcels),
                self.text(
                    _(
                        "{days} parcel-days of delay",
                        days=formats.number(plan.delay_parcel_days),
                    )
                ),
            ),
            Card(
                self.text(_("Worst carrier's mean delay (days)")),
                formats.decimal(plan.worst_carrier_delay_days, 2),
                self.text(_("days per parcel released, the carrier that waits most")),
            ),
            Card(
                self.text(_("Worst origin's mean delay (days)")),
                formats.decimal(plan.worst_origin_delay_days, 2),
                self.text(_("days per parcel released, the origin that waits most")),
            ),
        )

    def changes(self) -> tuple[ChangeCard, ...]:
        if self.comparison is None:
            return ()
        comparison, formats = self.comparison, self.formats
        before, after = comparison.unplanned, comparison.planned

        def card(
            key: str,
            label: Message,
            detail: Message,
            pick: float,
            put: float,
            shown: tuple[str, str],
            *,
            higher_is_better: bool = False,
        ) -> ChangeCard:
            if abs(put - pick) <= 1e-9 * max(abs(pick), 1.0) or shown[0] == shown[1]:
                change = "same"
            else:
                change = "better" if (put > pick) == higher_is_better else "worse"
            return ChangeCard(key, self.text(label), shown[0], shown[1], self.text(detail), change)

        def pair(
            first: RunFigures, second: RunFigures, name: str, show: str
        ) -> tuple[float, float, tuple[str, str]]:
            a, b = float(getattr(first, name)), float(getattr(second, name))
            if show == "number":
                return a, b, (formats.number(a), formats.number(b))
            if show == "percent":
                return a, b, (formats.percent(a, decimals=1), formats.percent(b, decimals=1))
            return a, b, (formats.decimal(a), formats.decimal(b))

        cards = []
        for key, label, detail, name, show, higher in (
            (
                "hubs-overflowing",
                _("Hubs overflowing"),
                _("hubs holding more than their storage at some hour (爆仓)"),
                "hubs_overflowing",
                "number",
                False,
            ),
            (
                "hub-overflow-hours",
                _("Hub overflow hours"),
                _("hours over storage capacity, summed over the hubs"),
                "hub_overflow_hours",
                "number",
                False,
            ),
            (
                "peak-hub-storage",
                _("Peak hub storage utilisation"),
                _("the fullest hub at its fullest hour"),
                "peak_hub_storage_utilisation",
                "percent",
                False,
            ),
            (
                "on-time",
                _("On time"),
                _("of parcels delivered, against the service standards"),
                "on_time_rate",
                "percent",
                True,
            ),
            (
                "delivery-hours",
                _("Mean delivery time"),
                _("hours from acceptance to delivery"),
                "mean_delivery_hours",
                "decimal",
                False,
            ),
        ):
            a, b, shown = pair(before, after, name, show)
            cards.append(card(key, label, detail, a, b, shown, higher_is_better=higher))
        release_before = comparison.mean_release_to_delivery_hours_before
        release_after = comparison.mean_release_to_delivery_hours_after
        cards.append(
            card(
                "release-to-delivery-hours",
                _("Mean release-to-delivery time"),
                _("hours from the platform's release to delivery, the pickup delay included"),
                release_before,
                release_after,
                (formats.decimal(release_before), formats.decimal(release_after)),
            )
        )
        return tuple(cards)

    # --- hub load before and after -------------------------------------------------------------

    def hub_loads(self) -> list[HubLoad]:
        """Peak storage utilisation per hub: simulated if the plan was, else the program's."""
        if self.comparison is not None:
            pairs = [
                (hub.node, hub.peak_storage_before, hub.peak_storage_after)
                for hub in self.comparison.hubs
            ]
        else:
            pairs = [
                (load.node, load.peak_storage_before, load.peak_storage_after)
                for load in self.plan.node_loads
                if load.kind is NodeKind.hub
            ]
        pairs.sort(key=lambda item: (-max(item[1], item[2]), item[0]))
        return [
            HubLoad(node, self.names.label(node), self.names.caption(node), before, after)
            for node, before, after in pairs
        ]

    def hub_chart(self) -> tuple[HubChart, str]:
        loads = self.hub_loads()
        shown = loads[:MAX_HUBS]
        margin = self.plan.parameters.storage_margin
        chart = hub_chart(
            shown,
            margin=margin,
            margin_label=self.text(_("plan's margin {share}", share=self.formats.percent(margin))),
            full_label=self.text(_("storage capacity")),
            series_labels=(self.text(_("Unplanned")), self.text(_("Planned"))),
            formats=self.formats,
        )
        over_before = sum(1 for load in loads if load.before > FULL)
        over_after = sum(1 for load in loads if load.after > FULL)
        if self.comparison is not None:
            source = _(
                "Simulated peak storage utilisation of each hub, without the plan (every "
                "release picked up on its day) and with it. Hubs over 100%: {before} "
                "unplanned, {after} planned.",
                before=self.formats.number(over_before),
                after=self.formats.number(over_after),
            )
        else:
            source = _(
                "The plan was not simulated: these are the program's own peaks, on free-flow "
                "profiles, without the plan and with it. Hubs over 100%: {before} "
                "unplanned, {after} planned.",
                before=self.formats.number(over_before),
                after=self.formats.number(over_after),
            )
        notes = [self.text(source)]
        if len(loads) > len(shown):
            notes.append(
                self.text(
                    _(
                        "{count} more hubs, none fuller than {share}, are omitted.",
                        count=self.formats.number(len(loads) - len(shown)),
                        share=self.formats.percent(
                            max(loads[len(shown)].before, loads[len(shown)].after)
                        ),
                    )
                )
            )
        return chart, " ".join(notes)

    def overflow_rows(self) -> tuple[OverflowRow, ...]:
        """Hubs that overflow without the plan, the most overflow hours first."""
        if self.comparison is None:
            return ()
        hubs = [hub for hub in self.comparison.hubs if hub.overflow_hours_before > 0]
        hubs.sort(key=lambda hub: (-hub.overflow_hours_before, hub.node))
        percent, number = self.formats.percent, self.formats.number
        return tuple(
            OverflowRow(
                node_id=hub.node,
                label=self.names.label(hub.node),
                caption=self.names.caption(hub.node),
                peak_before=percent(hub.peak_storage_before),
                peak_after=percent(hub.peak_storage_after),
                overflow_hours_before=hub.overflow_hours_before,
                overflow_hours_after=hub.overflow_hours_after,
                full_hours_before=hub.full_hours_before,
                full_hours_after=hub.full_hours_after,
                blocked_before=number(hub.blocked_before),
                blocked_after=number(hub.blocked_after),
            )
            for hub in hubs
        )

    # --- pickups per carrier per day -----------------------------------------------------------

    def carriers(self) -> tuple[tuple[CarrierPanel, ...], tuple[CarrierTable, ...]]:
        plan, formats = self.plan, self.formats
        released: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
        for quota in plan.quotas:
            released[quota.carrier][quota.day] += quota.released
        picked = plan.daily_pickups
        codes = set(released) | set(picked)
        order = {code: index for index, code in enumerate(self.names.carrier_order)}
        carriers = sorted(codes, key=lambda code: (order.get(code, len(order)), code))
        days = sorted(
            {day for code in carriers for day in (*released[code], *picked.get(code, {}))}
        )
        maximum = max(
            [
                *(value for per_day in released.values() for value in per_day.values()),
                *(value for per_day in picked.values() for value in per_day.values()),
                1.0,
            ]
        )
        labels = (self.text(_("Released")), self.text(_("Picked up")))
        panels, tables = [], []
        for code in carriers:
            out = [released[code].get(day, 0.0) for day in days]
            taken = [picked.get(code, {}).get(day, 0.0) for day in days]
            name = self.names.carrier(code)
            panels.append(
                carrier_panel(
                    code,
                    name,
                    days,
                    out,
                    taken,
                    maximum=maximum,
                    series_labels=labels,
                    formats=formats,
                )
            )
            rows, waiting = [], 0.0
            for day, amount, pickups in zip(days, out, taken, strict=True):
                waiting = max(waiting + amount - pickups, 0.0)
                difference = pickups - amount
                rows.append(
                    DayRow(
                        day=day.isoformat(),
                        day_label=formats.day(day),
                        released=amount,
                        picked_up=pickups,
                        released_text=formats.number(amount),
                        picked_up_text=formats.number(pickups),
                        difference_text=("+" if round(difference) > 0 else "")
                        + formats.number(difference),
                        waiting_text=formats.number(waiting),
                    )
                )
            tables.append(
                CarrierTable(
                    code,
                    name,
                    tuple(rows),
                    formats.number(sum(out)),
                    formats.number(sum(taken)),
                )
            )
        return tuple(panels), tuple(tables)

    def origin_delays(self) -> list[tuple[str, str, float, float, float]]:
        """(origin, carrier, parcels released, parcels delayed, parcel-days), most delay first."""
        table: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for release, per_day in self.plan.release_pickups:
            entry = table[(release.origin, release.carrier)]
            entry[0] += release.parcels
            for day, amount in per_day.items():
                late = (day - release.release_day).days
                if late > 0:
                    entry[1] += amount
                    entry[2] += amount * late
        rows = [
            (origin, carrier, parcels, delayed, days)
            for (origin, carrier), (parcels, delayed, days) in table.items()
        ]
        rows.sort(key=lambda row: (-row[4], row[0]))
        return rows

    def origins(self) -> tuple[OriginRow, ...]:
        number, decimal = self.formats.number, self.formats.decimal
        return tuple(
            OriginRow(
                node_id=origin,
                label=self.names.label(origin),
                caption=self.names.caption(origin) or self.names.carrier(carrier),
                released=number(parcels),
                delayed=number(delayed),
                delay_days=number(days),
                mean_delay=decimal(days / parcels if parcels else 0.0, 2),
            )
            for origin, carrier, parcels, delayed, days in self.origin_delays()[:MAX_ORIGINS]
            if days > 1e-6
        )

    def origins_note(self) -> str:
        delayed = [row for row in self.origin_delays() if row[4] > 1e-6]
        if not delayed:
            return self.text(_("No origin waits: every release is picked up on its day."))
        return self.text(
            _(
                "{count} origins have parcels picked up after their release day; the {shown} "
                "with the most parcel-days of delay are listed.",
                count=self.formats.number(len(delayed)),
                shown=self.formats.number(min(len(delayed), MAX_ORIGINS)),
            )
        )

    # --- the reroute ---

    def backups(self, reroute: ReroutePlan | None) -> tuple[BackupRow, ...]:
        if reroute is None:
            return ()
        return tuple(
            BackupRow(
                node_id=backup.hub,
                label=self.names.label(backup.hub),
                share=f"{backup.parcel_share:.1%}",
                parcels=f"{backup.parcels:,.0f}",
                origins=len(backup.origins),
                destinations=len(backup.destinations),
                added=f"{backup.mean_added_transit_hours:+.1f}",
                spare=f"{backup.spare_used_share:.0%}",
                automated=self.text(_("yes") if backup.automated_sorter else _("no")),
            )
            for backup in reroute.backups
        )

    def reroute_note(self, reroute: ReroutePlan | None) -> str:
        if reroute is None:
            return ""
        return self.text(
            _(
                "{nodes} is closed from {start} to {end}. Parcels accepted from {lead} on are "
                "sent through the backups below ({parcels} parcels; {unabsorbed} no backup "
                "could take), over {lanes} temporary connections and {overrides} changed "
                "routing relations.",
                nodes=", ".join(self.names.label(node) for node in reroute.closure.nodes),
                start=reroute.closure.start.strftime("%Y-%m-%d %H:%M"),
                end=reroute.closure.end.strftime("%Y-%m-%d %H:%M"),
                lead=reroute.window_start.strftime("%Y-%m-%d %H:%M"),
                parcels=f"{reroute.absorbed_parcels:,.0f}",
                unabsorbed=f"{reroute.unabsorbed_parcels:,.0f}",
                lanes=len(reroute.temporary_lanes),
                overrides=len(reroute.routing_overrides),
            )
        )

    # --- reserves and shortfalls ---------------------------------------------------------------

    def reserves(self, reserves: Sequence[Reserve]) -> tuple[ReserveRow, ...]:
        rows = []
        for item in sorted(reserves, key=lambda item: (item.start, item.node)):
            parts = []
            if item.extra_sorting_per_hour:
                parts.append(
                    self.text(
                        _(
                            "sorting: {parcels} more parcels an hour",
                            parcels=self.formats.number(item.extra_sorting_per_hour),
                        )
                    )
                )
            if item.extra_storage:
                parts.append(
                    self.text(
                        _(
                            "floor space: room for {parcels} more parcels",
                            parcels=self.formats.number(item.extra_storage),
                        )
                    )
                )
            rows.append(
                ReserveRow(
                    node_id=item.node,
                    label=self.names.label(item.node),
                    what=self.join(parts),
                    sorting=item.extra_sorting_per_hour,
                    storage=item.extra_storage,
                    start=self.formats.moment(item.start),
                    end=self.formats.moment(item.end),
                )
            )
        return tuple(rows)

    def shortfalls(self) -> tuple[tuple[ShortfallRow, ...], str]:
        items = sorted(self.plan.shortfalls, key=lambda item: (-item.excess, item.node, item.start))
        number = self.formats.number
        rows = tuple(
            ShortfallRow(
                node_id=item.node,
                label=self.names.label(item.node),
                kind=item.kind,
                kind_label=self.text(_SHORTFALL_KINDS[item.kind])
                if item.kind in _SHORTFALL_KINDS
                else item.kind,
                start=self.formats.moment(item.start),
                hours=item.hours,
                limit=number(item.limit),
                load=number(item.load),
                excess=number(item.excess),
                excess_value=item.excess,
                unavoidable=item.unavoidable,
                unavoidable_label=self.text(_("yes") if item.unavoidable else _("no")),
            )
            for item in items[:MAX_SHORTFALL_ROWS]
        )
        if len(items) > len(rows):
            note = self.text(
                _(
                    "The {shown} largest of {count} shortfalls are listed; {omitted} are omitted.",
                    shown=number(len(rows)),
                    count=number(len(items)),
                    omitted=number(len(items) - len(rows)),
                )
            )
        else:
            note = ""
        return rows, note

    # --- method --------------------------------------------------------------------------------

    def method(self) -> tuple[str, ...]:
        parameters = self.plan.parameters
        percent = self.formats.percent
        sentences = [
            _(
                "The plan is a linear program solved by HiGHS on free-flow profiles: each "
                "parcel picked up at an origin is taken to pass each node at its usual hour, "
                "without queues. It keeps each node's sorting load per shift within {sorting} "
                "of capacity and its storage at its fullest hours within {storage}, and "
                "otherwise makes the parcel-days of delay least, with the worst carrier's and "
                "the worst origin's mean delay in the objective for fairness. When no plan "
                "fits, it first makes the overflow least, then the delay.",
                sorting=percent(parameters.sorting_margin),
                storage=percent(parameters.storage_margin),
            ),
            _(
                "The simulator then checks it, with queues, shift capacities and lane "
                "timetables: the scenario is run without the plan and with it, with the "
                "overflow storage policy, so that parcels beyond a node's storage show as "
                "overflow (爆仓) where it happens."
            ),
        ]
        comparison = self.comparison
        if (
            comparison is not None
            and comparison.unplanned_result.scenario.storage_policy is StoragePolicy.block
        ):
            sentences.append(
                _(
                    "This check used the block storage policy instead: parcels that do not "
                    "fit wait upstream rather than showing as overflow."
                )
            )
        sentences.append(
            _(
                "The margins are local policy, not official figures: they keep room for what "
                "a plan cannot see, such as a late truck or a slow shift."
            )
        )
        return tuple(self.text(sentence) for sentence in sentences)

    def reference(self) -> tuple[str, str]:
        """The sentence that names the formulation's document, split where the path goes."""
        sentence = self.text(_("The formulation is written out in {path}.", path=_PATH_MARK))
        before, _mark, after = sentence.partition(_PATH_MARK)
        return before, after
