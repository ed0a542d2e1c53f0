"""From daily volumes per node to the reserves it needs, and what is missing where and when.

For node n on day d with volume V (parcels to handle) and backlog B (parcels held at the end of
the day, supplied by the simulator; 0 when not given), with P the node's productivity in
parcels per person-hour, R its highest sorting rate per hour and C its daily sorting capacity
(both from its shifts), L the vehicle load and T the trips per vehicle per day:

* sorting hours = V / R (hours of sorting at the node's full rate);
* staff on shift s (h_s hours, rate c_s) = ⌈V · (c_s·h_s / C) / (P · h_s)⌉ — the volume is
  split over the shifts in proportion to what each can sort; staff = Σ_s staff on shift s;
* departures = ⌈V / L⌉, vehicles = ⌈departures / T⌉;
* floor area = B / 1000 × (m² per 1,000 parcels), compared with the node's floor area × the
  share free for backlog.

:func:`gap_report` compares each day's need with the node's reserves on hand (staff, vehicles,
floor area, daily sorting capacity) and, per node and resource, says how much to add (the
largest shortfall over the days), the first short day, the day it must be in place (the day
before) and the day to decide (that day less the resource's lead time). The cost of a sorting
gap if nothing is added is estimated by carrying unsorted parcels from day to day
(``u_d = max(0, u_{d−1} + V_d − C)``), a single-node stand-in; :mod:`peakguard.reserve.season`
sizes reserves from the simulator's own overflow instead, for the whole network at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from peakguard.domain.network import Network, Node
from peakguard.errors import InvalidInputError, Problem
from peakguard.forecast.history import ForecastResult, Level
from peakguard.i18n import _
from peakguard.reserve.parameters import ReserveParameters


@dataclass(frozen=True)
class NodeRequirement:
    """What one node needs on one day."""

    node: str
    day: date
    volume: float
    backlog: float
    sorting_hours: float
    staff_by_shift: tuple[int, ...]
    staff: int
    departures: int
    vehicles: int
    floor_area_m2: float
    sorting_shortfall: float
    """Parcels beyond the node's daily sorting capacity (0 when it suffices)."""


def node_requirement(
    node: Node, day: date, volume: float, backlog: float, parameters: ReserveParameters
) -> NodeRequirement:
    """The requirement of ``node`` on ``day`` (see the module docstring for the formulas)."""
    capacity = node.daily_sorting_capacity()
    productivity = parameters.productivity(node)
    staff_by_shift = tuple(
        math.ceil(
            volume
            * (shift.sorting_capacity_per_hour * len(shift.hours()) / capacity)
            / (productivity * len(shift.hours()))
            - 1e-9
        )
        for shift in node.shifts
    )
    departures = math.ceil(volume / parameters.vehicle_load_parcels[node.kind] - 1e-9)
    return NodeRequirement(
        node=node.id,
        day=day,
        volume=volume,
        backlog=backlog,
        sorting_hours=volume / node.peak_sorting_capacity_per_hour(),
        staff_by_shift=staff_by_shift,
        staff=sum(staff_by_shift),
        departures=departures,
        vehicles=math.ceil(departures / parameters.trips_per_vehicle_per_day[node.kind] - 1e-9),
        floor_area_m2=backlog / 1000.0 * parameters.floor_m2_per_thousand_parcels,
        sorting_shortfall=max(volume - capacity, 0.0),
    )


def _checked(
    network: Network, series: Mapping[str, Sequence[float]], name: str, length: int | None
) -> list[Problem]:
    nodes = network.node_index()
    problems = []
    for node_id, values in series.items():
        where = f"{name}[{node_id}]"
        if node_id not in nodes:
            problems.append(Problem(where, _("unknown node {node}", node=node_id)))
            continue
        if length is not None and len(values) != length:
            problems.append(
                Problem(where, _("needs {count} days, one per forecast day", count=length))
            )
        for index, value in enumerate(values):
            if not (math.isfinite(value) and value >= 0):
                problems.append(Problem(f"{where}[{index}]", _("must be a number of at least 0")))
    return problems


def reserve_requirements(
    network: Network,
    volumes: Mapping[str, Sequence[float]],
    *,
    first_day: date,
    backlog: Mapping[str, Sequence[float]] | None = None,
    parameters: ReserveParameters | None = None,
) -> tuple[NodeRequirement, ...]:
    """Requirements per node and day for ``volumes[node id][k]`` parcels on day first_day + k."""
    parameters = parameters or ReserveParameters()
    lengths = {len(values) for values in volumes.values()}
    problems = _checked(network, volumes, "volumes", None)
    if len(lengths) > 1:
        problems.append(Problem("volumes", _("every node needs the same number of days")))
    length = lengths.pop() if len(lengths) == 1 else None
    problems += _checked(network, backlog or {}, "backlog", length)
    if problems:
        raise InvalidInputError(_("the reserve inputs have mistakes"), problems)
    nodes = network.node_index()
    requirements = []
    for node_id in sorted(volumes):
        held = (backlog or {}).get(node_id)
        for index, volume in enumerate(volumes[node_id]):
            requirements.append(
                node_requirement(
                    nodes[node_id],
                    first_day + timedelta(days=index),
                    float(volume),
                    float(held[index]) if held is not None else 0.0,
                    parameters,
                )
            )
    return tuple(requirements)


def volumes_from_forecast(
    result: ForecastResult, bound: str = "point"
) -> tuple[date, dict[str, list[float]]]:
    """The node-level forecasts (``point``, ``upper_80`` or ``upper_95``) as reserve input."""
    nodes = result.at_level(Level.node)
    if not nodes:
        raise ValueError("the forecast has no node-level series")
    return nodes[0].first_day, {
        forecast.key.node: [float(value) for value in getattr(forecast, bound)]
        for forecast in nodes
    }


RESOURCES = ("staff", "vehicles", "floor_area_m2", "sorting_capacity")


@dataclass(frozen=True)
class ReserveGap:
    """One resource short at one node: how much to add, from when, decided by when."""

    node: str
    resource: str
    on_hand: float
    required: float
    add: float
    first_short_day: date
    in_place_by: date
    decide_by: date
    short_days: int
    unsorted_parcels_if_not_added: float
    """For ``sorting_capacity``: the largest carried-over unsorted volume; 0 otherwise."""


def _on_hand(node: Node, resource: str, parameters: ReserveParameters) -> float:
    if resource == "staff":
        return float(node.staff)
    if resource == "vehicles":
        return float(node.vehicles)
    if resource == "floor_area_m2":
        return node.floor_area_m2 * parameters.floor_share_for_backlog
    return float(node.daily_sorting_capacity())


def _needed(requirement: NodeRequirement, resource: str) -> float:
    if resource == "sorting_capacity":
        return requirement.volume
    return float(getattr(requirement, resource))


def gap_report(
    network: Network,
    requirements: Sequence[NodeRequirement],
    *,
    parameters: ReserveParameters | None = None,
) -> tuple[ReserveGap, ...]:
    """Every (node, resource) that falls short on some day, earliest decision first."""
    parameters = parameters or ReserveParameters()
    lead = {
        "staff": parameters.staff_lead_days,
        "vehicles": parameters.vehicle_lead_days,
        "floor_area_m2": parameters.floor_area_lead_days,
        "sorting_capacity": parameters.sorting_lead_days,
    }
    nodes = network.node_index()
    by_node: dict[str, list[NodeRequirement]] = {}
    for requirement in requirements:
        by_node.setdefault(requirement.node, []).append(requirement)
    gaps = []
    for node_id, unordered in by_node.items():
        days = sorted(unordered, key=lambda requirement: requirement.day)
        node = nodes[node_id]
        for resource in RESOURCES:
            on_hand = _on_hand(node, resource, parameters)
            needed = np.array([_needed(requirement, resource) for requirement in days])
            short = needed > on_hand + 1e-9
            if not short.any():
                continue
            first_short = days[int(np.argmax(short))].day
            in_place_by = first_short - timedelta(days=1)
            unsorted = 0.0
            if resource == "sorting_capacity":
                carried = 0.0
                for volume in needed:
                    carried = max(0.0, carried + volume - on_hand)
                    unsorted = max(unsorted, carried)
            required = float(needed.max())
            add = required - on_hand
            gaps.append(
                ReserveGap(
                    node=node_id,
                    resource=resource,
                    on_hand=on_hand,
                    required=required,
                    add=math.ceil(add - 1e-9) if resource != "floor_area_m2" else add,
                    first_short_day=first_short,
                    in_place_by=in_place_by,
                    decide_by=in_place_by - timedelta(days=lead[resource]),
                    short_days=int(short.sum()),
                    unsorted_parcels_if_not_added=unsorted,
                )
            )
    return tuple(sorted(gaps, key=lambda gap: (gap.decide_by, gap.node, gap.resource)))


def carried_backlog(
    network: Network, volumes: Mapping[str, Sequence[float]]
) -> dict[str, list[float]]:
    """Parcels each node holds at the end of each day when it sorts at most its daily
    capacity: ``B_d = max(0, B_{d−1} + V_d − C)`` (a single-node stand-in for the simulator's
    backlog, behind the floor-area requirement)."""
    nodes = network.node_index()
    backlog: dict[str, list[float]] = {}
    for node_id, values in volumes.items():
        capacity = float(nodes[node_id].daily_sorting_capacity())
        held, carried = 0.0, []
        for volume in values:
            held = max(0.0, held + float(volume) - capacity)
            carried.append(held)
        backlog[node_id] = carried
    return backlog


def plan_capacity(
    network: Network,
    first_day: date,
    volumes: Mapping[str, Sequence[float]],
    *,
    parameters: ReserveParameters | None = None,
    carry_backlog: bool = True,
) -> tuple[tuple[NodeRequirement, ...], tuple[ReserveGap, ...]]:
    """Requirements per node and day for ``volumes`` and the gaps against the reserves."""
    parameters = parameters or ReserveParameters()
    unknown = sorted(set(volumes) - set(network.node_index()))
    if unknown:
        raise InvalidInputError(
            _("the reserve inputs have mistakes"),
            [Problem(f"volumes[{node}]", _("unknown node {node}", node=node)) for node in unknown],
        )
    backlog = carried_backlog(network, volumes) if carry_backlog else None
    requirements = reserve_requirements(
        network, volumes, first_day=first_day, backlog=backlog, parameters=parameters
    )
    return requirements, gap_report(network, requirements, parameters=parameters)
