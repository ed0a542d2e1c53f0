"""The simulation report's warning sections: the timeline, the warning list, the thresholds, the
map coloured by warning level and the blockage report drafts.

:class:`SimulationContext` holds what every section needs (names in the report's language, the
most severe level each node reached, closures as time windows); :mod:`.simulation_report`
builds the rest of the page on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from peakguard.domain.network import Node, NodeKind
from peakguard.domain.regions import province_code
from peakguard.i18n import Message, _
from peakguard.simulate.run import SimulationResult
from peakguard.simulate.warning_rules import WarningLevel, level_label
from peakguard.simulate.warnings import NETWORK, Warning
from peakguard.web.network_maps import MapLabel, NetworkMaps, Segment, SizeKey
from peakguard.web.page_kit import KIND_NAMES, Fact, Places, carrier_names, home_province, join_list
from peakguard.web.simulation_charts import (
    LEVEL_COLOURS,
    NO_LEVEL_COLOUR,
    Formats,
    Timeline,
    TimelineInput,
    Window,
    timeline,
)

MAX_TIMELINE_ROWS = 40
"""Warned nodes on the timeline, besides the network's own row."""
MAX_WARNING_ROWS = 60
"""Warnings listed in the table, the most severe first."""
MIN_MAP_RADIUS = 4.0
"""Small hubs are drawn at least this large on the map, so that their colour shows."""

_KIND_ORDER = {NodeKind.hub: 0, NodeKind.consolidation_point: 1, NodeKind.outlet: 2}
"""Hubs matter most to the network, then consolidation points, outlets, stations."""


@dataclass(frozen=True)
class LevelEntry:
    level: int
    name: str
    label: str
    colour: str
    count: str
    storage_utilisation: str
    overflow_within: str


@dataclass(frozen=True)
class WarningRow:
    node_id: str
    name: str
    caption: str
    level: int
    level_label: str
    colour: str
    start: str
    end: str
    hours: str
    reason: str
    peak_backlog: str
    peak_utilisation: str
    network: bool


@dataclass(frozen=True)
class MapNode:
    node_id: str
    kind: str
    x: float
    y: float
    radius: float
    level: int
    colour: str
    closed: bool
    tooltip: str


@dataclass(frozen=True)
class LevelMap:
    width: float
    height: float
    area: str
    segments: tuple[Segment, ...]
    dots: tuple[MapNode, ...]
    hubs: tuple[MapNode, ...]
    labels: tuple[MapLabel, ...]
    size_keys: tuple[SizeKey, ...]
    size_key_top: float
    size_key_baseline: float


@dataclass(frozen=True)
class BlockageDraft:
    node_id: str
    title: str
    facts: tuple[Fact, ...]
    due: str


def kind_rank(kind: NodeKind) -> int:
    return _KIND_ORDER.get(kind, len(_KIND_ORDER))


def _severity(warning: Warning, nodes: Mapping[str, Node]) -> tuple[int, bool, int, float, float]:
    """Sort key, most severe first: level, the network before nodes, hubs before other nodes,
    then the fuller node (utilisation to 0.1 %), then the larger backlog."""
    node = nodes.get(warning.node_id)
    return (
        int(warning.level),
        warning.node_id != NETWORK,
        kind_rank(node.kind) if node else -1,
        -round(warning.peak_storage_utilisation, 3),
        -warning.peak_backlog,
    )


class SimulationContext:
    """What every section needs, for one result and language."""

    def __init__(
        self, result: SimulationResult, language: str, place_names: Mapping[str, str]
    ) -> None:
        self.result = result
        self.network = result.network
        self.scenario = result.scenario
        self.run = result.run
        self.language = language
        self.formats = Formats(language, result.scenario)
        self.home = home_province(self.network)
        self.places = Places(self.network, language, place_names)
        self.nodes = self.network.node_index()
        self.position = {node_id: index for index, node_id in enumerate(self.run.plan.node_ids)}
        self.hours = self.run.backlog.shape[1]
        self.carriers = carrier_names(self.network, language)
        self.worst: dict[str, WarningLevel] = {}
        self.episodes: dict[str, list[Warning]] = defaultdict(list)
        for warning in result.warnings:
            self.episodes[warning.node_id].append(warning)
            self.worst[warning.node_id] = min(
                self.worst.get(warning.node_id, WarningLevel.blue), warning.level
            )
        self.closures = [
            Window(
                closure.node,
                self.scenario.hour_of(closure.start),
                self.scenario.hour_of(closure.end),
                self.text(
                    _(
                        "{node} closed: {reason}",
                        node=self.label(closure.node),
                        reason=closure.reason,
                    )
                ),
            )
            for closure in self.scenario.closures
        ]

    def text(self, message: Message) -> str:
        return self.formats.text(message)

    # --- names ---------------------------------------------------------------------------

    def label(self, node_id: str) -> str:
        """A short name: the node's own in Chinese; city, carrier (and kind) in English."""
        node = self.nodes.get(node_id)
        if node_id == NETWORK:
            return self.text(_("Network as a whole"))
        if node is None:
            return node_id
        if self.language != "en":
            return node.name
        parts = [self.places.city(node.region), self.carriers.get(node.carrier, node.carrier)]
        if node.kind is not NodeKind.hub:
            parts.append(self.text(KIND_NAMES[node.kind]))
        return " · ".join(parts)

    def caption(self, node_id: str) -> str:
        """Carrier, city and kind, in the report's language."""
        node = self.nodes.get(node_id)
        if node is None:
            return self.text(_("all hubs")) if node_id == NETWORK else ""
        return " · ".join(
            (
                self.carriers.get(node.carrier, node.carrier),
                self.places.name(node.region),
                self.text(KIND_NAMES[node.kind]),
            )
        )

    def window(self, warning: Warning) -> Window:
        end = self.formats.moment(warning.end_hour) if warning.end_hour is not None else "…"
        start = self.formats.moment(warning.start_hour)
        label = f"{self.text(level_label(warning.level))} · {start} – {end}"
        return Window(warning.node_id, warning.start_hour, warning.end_hour, label, warning.level)

    def join(self, parts: Sequence[str]) -> str:
        return join_list(parts, self.language)


class SimulationSections(SimulationContext):
    """The timeline, the warning list and thresholds, the map and the blockage drafts."""

    def warned_nodes(self) -> list[str]:
        """Warned nodes, most severe first: level, hubs first, hours at that level."""

        def hours_at_worst(node_id: str) -> int:
            return sum(
                (w.end_hour if w.end_hour is not None else self.hours) - w.start_hour
                for w in self.episodes[node_id]
                if w.level == self.worst[node_id]
            )

        nodes = [node_id for node_id in self.worst if node_id != NETWORK]
        return sorted(
            nodes,
            key=lambda node_id: (
                self.worst[node_id],
                kind_rank(self.nodes[node_id].kind) if node_id in self.nodes else 9,
                -hours_at_worst(node_id),
                node_id,
            ),
        )

    def timeline(self) -> Timeline:
        rows = []
        for node_id in [NETWORK, *self.warned_nodes()[:MAX_TIMELINE_ROWS]]:
            level = self.worst.get(node_id)
            if level is None:
                continue
            name = self.nodes[node_id].name if node_id in self.nodes else self.label(node_id)
            rows.append(
                TimelineInput(
                    node_id=node_id,
                    label=self.label(node_id),
                    tooltip=f"{name}\n{node_id} · {self.caption(node_id)}",
                    level=level,
                    network=node_id == NETWORK,
                    episodes=[self.window(w) for w in self.episodes[node_id]],
                )
            )
        return timeline(
            rows,
            hours=self.hours,
            demand_days=self.scenario.warm_up_days + self.scenario.days,
            closures=self.closures,
            drain_label=self.text(_("drain days: no new parcels")),
            formats=self.formats,
        )

    def timeline_note(self) -> str:
        warned = len(self.worst) - (NETWORK in self.worst)
        omitted = max(0, warned - MAX_TIMELINE_ROWS)
        if not omitted:
            return ""
        return self.text(
            _(
                "{shown} of {warned} warned nodes are shown, the most severe first (hubs before "
                "outlets and stations); {omitted} are left out.",
                shown=self.formats.number(warned - omitted),
                warned=self.formats.number(warned),
                omitted=self.formats.number(omitted),
            )
        )

    # --- warnings ------------------------------------------------------------------------

    def levels(self) -> tuple[LevelEntry, ...]:
        rules = self.scenario.warnings.by_level()
        counts = self.result.summary.warnings_by_level
        return tuple(
            LevelEntry(
                level=int(level),
                name=level.name,
                label=self.text(level_label(level)),
                colour=LEVEL_COLOURS[level],
                count=self.formats.number(counts.get(level.name, 0)),
                storage_utilisation=self.formats.percent(rules[level].storage_utilisation),
                overflow_within=self.text(_("{hours} h", hours=rules[level].overflow_within_hours)),
            )
            for level in WarningLevel
        )

    def warning_rows(self) -> tuple[WarningRow, ...]:
        chosen = sorted(self.result.warnings, key=lambda w: _severity(w, self.nodes))
        # The most severe are chosen; within a level they are listed in order of time.
        shown = sorted(
            chosen[:MAX_WARNING_ROWS],
            key=lambda w: (w.level, w.node_id != NETWORK, w.start_hour, w.node_id),
        )
        rows = []
        for warning in shown:
            node_id, network = warning.node_id, warning.node_id == NETWORK
            node = self.nodes.get(node_id)
            end = warning.end_hour
            index = self.position.get(node_id)
            rows.append(
                WarningRow(
                    node_id=node_id,
                    name=node.name if node else self.label(node_id),
                    caption=self.caption(node_id),
                    level=int(warning.level),
                    level_label=self.text(level_label(warning.level)),
                    colour=LEVEL_COLOURS[warning.level],
                    start=self.formats.moment(warning.start_hour),
                    end=self.formats.moment(end)
                    if end is not None
                    else self.text(_("still at the end of the run")),
                    hours=self.formats.number((end or self.hours) - warning.start_hour),
                    reason=self.text(warning.reason),
                    peak_backlog=self.formats.number(warning.peak_backlog),
                    peak_utilisation="–"
                    if network or index is None
                    else self.formats.percent(warning.peak_storage_utilisation),
                    network=network,
                )
            )
        return tuple(rows)

    def warnings_note(self) -> str:
        total = len(self.result.warnings)
        if total <= MAX_WARNING_ROWS:
            return ""
        return self.text(
            _(
                "The {shown} most severe of {total} warnings are listed (the network's and "
                "hubs' first), by level and then by time; {omitted} are omitted.",
                shown=self.formats.number(MAX_WARNING_ROWS),
                total=self.formats.number(total),
                omitted=self.formats.number(total - MAX_WARNING_ROWS),
            )
        )

    def thresholds_note(self) -> str:
        rules = self.scenario.warnings
        return " ".join(
            self.text(sentence)
            for sentence in (
                _(
                    "These thresholds are local policy set in the scenario, not official "
                    "figures: no official backlog thresholds exist."
                ),
                _(
                    "A node is at a level when its backlog reaches the share of storage capacity "
                    "or the run shows it overflowing within the horizon; a warning is lowered "
                    "only after the lower level has held {hours} hours.",
                    hours=rules.hold_hours,
                ),
                _(
                    "The network as a whole is at a level when {share} of its hubs are at that "
                    "level or worse.",
                    share=self.formats.percent(rules.network_hub_share),
                ),
            )
        )

    # --- map -----------------------------------------------------------------------------

    def level_map(self) -> LevelMap:
        """The province map of the network report, hubs and nodes recoloured by level."""
        base = NetworkMaps(self.network, self.language, self.home, self.places)
        panel = base.province_map()
        closed = {window.node_id for window in self.closures}

        def marker(node_id: str, kind: str, x: float, y: float, radius: float) -> MapNode:
            level = self.worst.get(node_id)
            lines = [self.nodes[node_id].name, f"{node_id} · {self.caption(node_id)}"]
            lines.append(self.text(level_label(level)) if level else self.text(_("no warning")))
            if node_id in closed:
                lines += [w.label for w in self.closures if w.node_id == node_id]
            return MapNode(
                node_id=node_id,
                kind=kind,
                x=x,
                y=y,
                radius=radius,
                level=int(level) if level else 0,
                colour=LEVEL_COLOURS[level] if level else NO_LEVEL_COLOUR,
                closed=node_id in closed,
                tooltip="\n".join(lines),
            )

        def drawing_order(node: MapNode) -> int:
            return -(node.level or 9)  # unwarned first, the most severe last (on top)

        dots = sorted(
            (marker(dot.node_id, dot.kind, dot.x, dot.y, 1.8) for dot in panel.dots),
            key=drawing_order,
        )
        hubs = [
            marker(hub.node_id, "hub", hub.x, hub.y, max(hub.radius, MIN_MAP_RADIUS))
            for hub in panel.hubs
        ]
        return LevelMap(
            width=panel.width,
            height=panel.height,
            area=panel.area,
            segments=panel.segments,
            dots=tuple(dots),
            hubs=tuple(hubs),
            labels=panel.labels,
            size_keys=panel.size_keys,
            size_key_top=panel.size_key_top,
            size_key_baseline=panel.size_key_baseline,
        )

    # --- blockage reports ----------------------------------------------------------------

    def blockages(self) -> tuple[BlockageDraft, ...]:
        drafts = []
        number, moment = self.formats.number, self.formats.moment
        for report in self.result.blockages:
            node = self.nodes.get(report.node_id)
            where = (
                self.text(
                    _(
                        "{name} ({node_id}), {caption}",
                        name=report.node_name,
                        node_id=report.node_id,
                        caption=self.caption(report.node_id),
                    )
                )
                if node
                else report.node_id
            )
            facts = (
                Fact(self.text(_("Node")), where),
                Fact(
                    self.text(_("Province")),
                    self.places.province(province_code(node.region)) if node else "–",
                ),
                Fact(self.text(_("Reason")), report.reason),
                Fact(
                    self.text(_("Blocked period")),
                    f"{moment(report.start_hour)} – {moment(report.end_hour)}",
                ),
                Fact(self.text(_("Duration")), self.text(_("{hours} h", hours=report.hours))),
                Fact(
                    self.text(_("Parcels held at the node")),
                    self.text(
                        _(
                            "{parcels} at the end of the closure",
                            parcels=number(report.parcels_held),
                        )
                    ),
                ),
                Fact(
                    self.text(_("Parcels refused")),
                    self.text(
                        _(
                            "{parcels}, summed over the departures that could not deliver to it",
                            parcels=number(report.parcels_refused),
                        )
                    ),
                ),
                Fact(self.text(_("Measures taken")), self.text(_("(to be completed)"))),
                Fact(self.text(_("Contact")), self.text(_("(to be completed)"))),
            )
            drafts.append(
                BlockageDraft(
                    node_id=report.node_id,
                    title=self.text(
                        _("Network blockage report (draft): {node}", node=report.node_name)
                    ),
                    facts=facts,
                    due=self.text(
                        _(
                            "Must reach the postal administration by {moment}, 24 hours after "
                            "the blockage began. Figures come from the simulation: check them "
                            "against the node's own records before sending.",
                            moment=moment(report.due_hour),
                        )
                    ),
                )
            )
        return tuple(drafts)
