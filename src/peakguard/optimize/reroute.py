"""Rerouting around closed hubs (调整路由, 临时接驳, 异地分区覆盖集散), seed 004.

``reroute_closure(problem, closure)`` finds the closed nodes' traffic in the window
(the parcels accepted from ``lead_hours`` before the closure to its end whose route passes a
closed node), groups it into units that move as a whole (each sender and each receiver of the
closed node, :mod:`.reroute_traffic`), picks backup hubs — preferably automated, close, with
spare capacity — and splits the units among them with a small mixed-integer program
(:mod:`.reroute_assign`), then changes the routing relations and proposes temporary lanes
(:mod:`.reroute_routing`). Units no backup can take within the limits are reported with their
parcels: their pickups are to be re-planned (staggering, :mod:`.stagger`).

``simulate_reroute`` (:mod:`.reroute_simulate`) runs the plan through the simulator against
the closure without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peakguard.domain.network import Network, NodeKind, RoutingOverride
from peakguard.domain.routing import RoutingTable
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.optimize.problem import PlanningProblem
from peakguard.optimize.reroute_assign import assign_units
from peakguard.optimize.reroute_parameters import ClosureRequest, RerouteParameters
from peakguard.optimize.reroute_routing import TemporaryLane, reroute_routing
from peakguard.optimize.reroute_traffic import (
    BackupCandidate,
    LaneHours,
    Option,
    Traffic,
    Unit,
    UnitRole,
    backup_candidates,
    closed_traffic,
    unit_options,
)
from peakguard.simulate.plan import RoutingWindow
from peakguard.simulate.scenario import Scenario

__all__ = [
    "BackupCandidate",
    "BackupShare",
    "ClosureRequest",
    "RerouteParameters",
    "ReroutePlan",
    "TemporaryLane",
    "UnabsorbedTraffic",
    "UnitAssignment",
    "UnitRole",
    "reroute_closure",
]


@dataclass(frozen=True)
class UnitAssignment:
    """One unit of the closed traffic and the backup that takes it (None: none can)."""

    node: str
    role: UnitRole
    parcels: float
    backup: str | None
    added_transit_hours: float | None
    """Mean hours per parcel longer than through the closed node (negative: shorter)."""


@dataclass(frozen=True)
class BackupShare:
    """A backup hub and the part of the closed node's work it takes.

    Shares are of parcels: ``origin_share`` of the parcels the closed node's senders (origin
    units) send through it, ``destination_share`` of those it delivers to its receivers
    (destination units), ``parcel_share`` of all its traffic in the window."""

    hub: str
    carrier: str
    automated_sorter: bool
    origins: tuple[str, ...]
    destinations: tuple[str, ...]
    parcels: float
    origin_share: float
    destination_share: float
    parcel_share: float
    mean_added_transit_hours: float
    spare: float
    """Spare sorting capacity over the window (capacity less its own load), parcels."""
    spare_used_share: float
    """parcels ÷ spare: at most ``max_spare_share``."""


@dataclass(frozen=True)
class UnabsorbedTraffic:
    """Parcels no backup takes: their pickups are to be re-planned."""

    node: str
    role: UnitRole
    parcels: float
    closed_end: bool
    """True when the parcels start or end at the closed node itself (no backup can help);
    False when no backup within the limits has room for the unit."""


@dataclass(frozen=True)
class ReroutePlan:
    closure: ClosureRequest
    parameters: RerouteParameters
    window_start: datetime
    """Parcels accepted from here (the closure's start less the lead hours) are rerouted..."""
    window_end: datetime
    """...up to here (the closure's end)."""
    window_hours: tuple[int, int]
    """The same window in hours from the scenario's start."""
    parcels: float
    """The closed nodes' traffic in the window."""
    backups: tuple[BackupShare, ...]
    units: tuple[UnitAssignment, ...]
    candidates: tuple[BackupCandidate, ...]
    """Every hub considered, with its spare capacity over the window."""
    temporary_lanes: tuple[TemporaryLane, ...]
    routing_overrides: tuple[RoutingOverride, ...]
    network: Network
    """The original network with the temporary lanes appended and the overrides added; nodes
    and the positions of the original lanes unchanged."""
    routing: RoutingTable
    """``derive_routing(network)``: the routes of parcels accepted in the window."""
    unabsorbed: tuple[UnabsorbedTraffic, ...]
    misrouted_parcels: float
    """Parcels of absorbed units whose new route still passes a closed node (expected 0)."""

    @property
    def absorbed_parcels(self) -> float:
        return sum(backup.parcels for backup in self.backups)

    @property
    def unabsorbed_parcels(self) -> float:
        return sum(item.parcels for item in self.unabsorbed)

    @property
    def routing_window(self) -> RoutingWindow:
        """``(start hour, end hour, routing)`` for :func:`peakguard.simulate.run.simulate`."""
        return (*self.window_hours, self.routing)


def reroute_closure(
    problem: PlanningProblem,
    closure: ClosureRequest,
    /,
    *,
    parameters: RerouteParameters | None = None,
) -> ReroutePlan:
    """Backups for the closed nodes, the share of their work each takes, and the changed
    routing (see the module docstring)."""
    network, scenario, table, demand = (
        problem.network,
        problem.scenario,
        problem.routing,
        problem.demand,
    )
    settings = parameters or RerouteParameters()
    check_closure(network, scenario, closure)
    closed = frozenset(table.position[node] for node in closure.nodes)
    start, end = scenario.hour_of(closure.start), scenario.hour_of(closure.end)
    first = max(0, start - settings.lead_hours)
    lanes = LaneHours(network, table, closed)
    traffic = closed_traffic(lanes, demand, first_hour=first, end_hour=end)
    carriers = {network.nodes[unit.node].carrier for unit in traffic.units}
    located = backup_candidates(
        network,
        scenario,
        table,
        demand,
        closed=closed,
        carriers=None if settings.other_carriers else frozenset(carriers),
        first_hour=first,
        end_hour=end,
    )
    candidates = [candidate for _position, candidate in located]
    options = unit_options(lanes, traffic.units, located, settings)
    chosen = assign_units(traffic.units, candidates, options, settings)
    applied = [(located[option.backup][0], option) for option in chosen if option is not None]
    rerouted = reroute_routing(lanes, applied, traffic.pairs, settings)
    return ReroutePlan(
        closure=closure,
        parameters=settings,
        window_start=scenario.moment(first),
        window_end=scenario.moment(end),
        window_hours=(first, end),
        parcels=sum(unit.parcels for unit in traffic.units) + sum(traffic.stranded.values()),
        backups=_backup_shares(network, traffic, candidates, chosen),
        units=_unit_assignments(network, traffic, candidates, chosen),
        candidates=tuple(candidates),
        temporary_lanes=rerouted.temporary_lanes,
        routing_overrides=rerouted.overrides,
        network=rerouted.network,
        routing=rerouted.routing,
        unabsorbed=_unabsorbed(network, traffic, chosen),
        misrouted_parcels=rerouted.misrouted,
    )


def check_closure(network: Network, scenario: Scenario, closure: ClosureRequest) -> None:
    """Every problem of the request at once: unknown or non-hub nodes, a bad window."""
    problems: list[Problem] = []
    nodes = network.node_index()
    if not closure.nodes:
        problems.append(Problem("closure.nodes", _("must not be empty")))
    seen: set[str] = set()
    for index, node_id in enumerate(closure.nodes):
        where = f"closure.nodes[{index}]"
        node = nodes.get(node_id)
        if node is None:
            problems.append(Problem(where, _("unknown node {node}", node=node_id)))
        elif node.kind is not NodeKind.hub:
            problems.append(Problem(where, _("'{node}' is not a hub", node=node_id)))
        elif node_id in seen:
            problems.append(Problem(where, _("'{node}' is listed twice", node=node_id)))
        seen.add(node_id)
    first, last = scenario.start, scenario.moment(scenario.hours)
    start, end = closure.start.replace(tzinfo=None), closure.end.replace(tzinfo=None)
    if end <= start:
        problems.append(Problem("closure.end", _("end must be after start")))
    elif start < first or end > last:
        problems.append(
            Problem(
                "closure.start",
                _(
                    "the window {start} – {end} must lie within the simulated period "
                    "{first} – {last}",
                    start=str(start),
                    end=str(end),
                    first=str(first),
                    last=str(last),
                ),
            )
        )
    if problems:
        raise InvalidInputError(_("The closure cannot be rerouted."), problems)


def _unit_assignments(
    network: Network,
    traffic: Traffic,
    candidates: list[BackupCandidate],
    chosen: list[Option | None],
) -> tuple[UnitAssignment, ...]:
    return tuple(
        UnitAssignment(
            node=network.nodes[unit.node].id,
            role=unit.role,
            parcels=unit.parcels,
            backup=None if option is None else candidates[option.backup].hub,
            added_transit_hours=None if option is None else option.added_hours,
        )
        for unit, option in zip(traffic.units, chosen, strict=True)
    )


def _backup_shares(
    network: Network,
    traffic: Traffic,
    candidates: list[BackupCandidate],
    chosen: list[Option | None],
) -> tuple[BackupShare, ...]:
    totals = dict.fromkeys(UnitRole, 0.0)
    for unit in traffic.units:
        totals[unit.role] += unit.parcels
    everything = sum(totals.values()) + sum(traffic.stranded.values())
    shares: list[BackupShare] = []
    for backup in sorted({option.backup for option in chosen if option is not None}):
        mine = [
            (unit, option)
            for unit, option in zip(traffic.units, chosen, strict=True)
            if option is not None and option.backup == backup
        ]
        by_role = {
            role: sum(unit.parcels for unit, _option in mine if unit.role is role)
            for role in UnitRole
        }
        parcels = sum(by_role.values())
        candidate = candidates[backup]
        shares.append(
            BackupShare(
                hub=candidate.hub,
                carrier=candidate.carrier,
                automated_sorter=candidate.automated_sorter,
                origins=_names(network, mine, UnitRole.origin),
                destinations=_names(network, mine, UnitRole.destination),
                parcels=parcels,
                origin_share=_share(by_role[UnitRole.origin], totals[UnitRole.origin]),
                destination_share=_share(
                    by_role[UnitRole.destination], totals[UnitRole.destination]
                ),
                parcel_share=_share(parcels, everything),
                mean_added_transit_hours=_share(
                    sum(unit.parcels * option.added_hours for unit, option in mine), parcels
                ),
                spare=candidate.spare,
                spare_used_share=_share(parcels, candidate.spare),
            )
        )
    return tuple(shares)


def _names(network: Network, mine: list[tuple[Unit, Option]], role: UnitRole) -> tuple[str, ...]:
    return tuple(network.nodes[unit.node].id for unit, _option in mine if unit.role is role)


def _share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


def _unabsorbed(
    network: Network, traffic: Traffic, chosen: list[Option | None]
) -> tuple[UnabsorbedTraffic, ...]:
    items = [
        UnabsorbedTraffic(network.nodes[unit.node].id, unit.role, unit.parcels, closed_end=False)
        for unit, option in zip(traffic.units, chosen, strict=True)
        if option is None
    ]
    items += [
        UnabsorbedTraffic(network.nodes[node].id, role, parcels, closed_end=True)
        for (node, role), parcels in sorted(traffic.stranded.items())
    ]
    return tuple(items)
