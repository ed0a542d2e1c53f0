"""The plan report's sections about what the plan asks of the carriers: the pickups per carrier
per day against what the platforms released, the origins that wait longest, the reroute around a
closed hub, the temporary capacity to add and the shortfalls left.

:class:`PlanContext` holds what every section of the page needs (the plan, the simulator's check,
node and carrier names in the report's language); :mod:`.plan_effects` and
:mod:`.plan_report` build the rest of the page on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from peakguard import i18n
from peakguard.domain.network import Network, NodeKind
from peakguard.domain.regions import prefecture_code
from peakguard.i18n import Message, _
from peakguard.optimize.comparison import PlanComparison
from peakguard.optimize.reroute import ReroutePlan
from peakguard.optimize.shortfall_reserves import Reserve
from peakguard.optimize.stagger import PickupPlan
from peakguard.web.page_kit import KIND_NAMES, Places, carrier_names, join_list
from peakguard.web.plan_charts import CarrierPanel, PlanFormats, carrier_panel

MAX_ORIGINS = 15
"""Origins listed by delay, the most parcel-days first."""
MAX_SHORTFALL_ROWS = 40
"""Shortfalls listed, the largest excess first."""

_SHORTFALL_KINDS: dict[str, Message] = {
    "sorting": _("sorting (a shift)"),
    "storage": _("storage (at an hour)"),
    "closed": _("closed"),
}


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
class PlatformRow:
    platform: str
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


class PlanNames:
    """Node and carrier names in the report's language (node ids alone without a network)."""

    def __init__(
        self, network: Network | None, language: str, place_names: Mapping[str, str]
    ) -> None:
        self.network = network
        self.language = language
        self.nodes = network.node_index() if network else {}
        self.places = Places(network, language, place_names) if network else None
        self.carriers = carrier_names(network, language) if network else {}
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


class PlanContext:
    """What every section needs, for one plan, its check by simulation and one language."""

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
        network = comparison.network if comparison else None
        self.network = network
        self.names = PlanNames(network, language, place_names)

    def text(self, message: Message) -> str:
        return self.formats.text(message)

    def join(self, parts: Sequence[str]) -> str:
        return join_list(parts, self.language)


class PlanSections(PlanContext):
    """Pickups per carrier per day, delays by origin, the reroute, reserves and shortfalls."""

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
            tables.append(
                CarrierTable(
                    code,
                    name,
                    self.day_rows(days, out, taken),
                    formats.number(sum(out)),
                    formats.number(sum(taken)),
                )
            )
        return tuple(panels), tuple(tables)

    def day_rows(
        self, days: Sequence[date], released: Sequence[float], picked_up: Sequence[float]
    ) -> tuple[DayRow, ...]:
        """One carrier's days: released, picked up, the difference and what is left waiting."""
        formats = self.formats
        rows, waiting = [], 0.0
        for day, amount, pickups in zip(days, released, picked_up, strict=True):
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
        return tuple(rows)

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

    def platforms(self) -> tuple[PlatformRow, ...]:
        """Per platform (when a release names one): parcels released, picked up later, and
        the delay, from the plan's pickups (releases alike in origin and window share them in
        proportion). Releases naming none are one row, "(no platform)"."""
        if not any(release.platform for release, _per_day in self.plan.release_pickups):
            return ()
        table: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for release, per_day in self.plan.release_pickups:
            entry = table[release.platform]
            entry[0] += release.parcels
            for day, amount in per_day.items():
                late = (day - release.release_day).days
                if late > 0:
                    entry[1] += amount
                    entry[2] += amount * late
        number, decimal = self.formats.number, self.formats.decimal
        return tuple(
            PlatformRow(
                platform=platform or self.formats.text(_("(no platform)")),
                released=number(parcels),
                delayed=number(delayed),
                delay_days=number(days),
                mean_delay=decimal(days / parcels if parcels else 0.0, 2),
            )
            for platform, (parcels, delayed, days) in sorted(table.items())
        )

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
