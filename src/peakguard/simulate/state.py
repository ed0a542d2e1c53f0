"""Where every parcel of a run is at the start of an hour: a state a run can start from.

A :class:`SimulationState` holds what the engine carries from one hour to the next — the
batches queued at each node, the sorted batches waiting for each lane, the batches on lanes —
over its own table of the cohorts they belong to (:class:`StateCohorts`, cohorts accepted
before the state's hour). What is still to be accepted is the plan's own: a run started from
the state at hour ``h`` takes the plan's cohorts accepted from ``h`` on, and the state's.

A state comes from a run (``simulate_plan(plan, snapshot_at=h)`` leaves it in ``run.state``)
or from what is observed (:func:`peakguard.simulate.observation.state_from_observation`).
:func:`resume_plan` is the plan a run from the state works on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from peakguard.simulate.plan import FloatArray, IntArray, SimulationPlan


@dataclass(frozen=True)
class Fractions:
    """Fractions of cohorts in batches, kept in order: batch ``b`` is at ``place[b]``, stamped
    ``hour[b]``, and holds rows ``starts[b]:starts[b + 1]`` of the per-fraction columns.

    Batches at the same place are in the order they are served (oldest first); fractions of
    one batch joined together and are served in the same proportion."""

    place: IntArray
    """[batch] a node (queued, on lanes: the node it arrives at) or a lane (waiting)."""
    hour: IntArray
    """[batch] queued: hour it joined the queue; waiting: first hour it can leave; on lanes:
    hour it arrives."""
    starts: IntArray
    """[batch + 1] where each batch's rows start."""
    cohort: IntArray
    """[fraction] row of the state's cohort table."""
    hop: IntArray
    """[fraction] position on the cohort's route of the node it is at (on lanes: arrives at)."""
    parcels: FloatArray
    arrived: IntArray
    """[fraction] hour it arrived at its node (the trace's ``arrived_hour``)."""
    sorted_at: IntArray
    """[fraction] hour it was sorted at its node, -1 while not sorted."""

    @classmethod
    def empty(cls) -> Fractions:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, np.zeros(1, dtype=np.int64), none, none, np.zeros(0), none, none)

    @property
    def total(self) -> float:
        return float(self.parcels.sum())

    def by_place(self, places: int) -> FloatArray:
        """[place] parcels."""
        batch = np.repeat(self.place, np.diff(self.starts))
        return np.bincount(batch, self.parcels, minlength=places).astype(np.float64)


@dataclass(frozen=True)
class StateCohorts:
    """The cohorts a state's parcels belong to (accepted before the state's hour), with the
    routes they follow: ``route[i]`` is a row of ``route_nodes`` / ``route_lanes``."""

    origin: IntArray
    destination: IntArray
    hour: IntArray
    """[cohort] hour accepted (delivery times count from it)."""
    time_limit: FloatArray
    parcels: FloatArray
    """[cohort] parcels of the cohort in the state (not what was accepted: part may be
    delivered already)."""
    route: IntArray
    route_nodes: IntArray
    route_lanes: IntArray
    route_length: IntArray


@dataclass(frozen=True)
class SimulationState:
    """Every parcel of a run at the start of hour ``hour``, and where it is."""

    hour: int
    node_ids: tuple[str, ...]
    cohorts: StateCohorts
    queued: Fractions
    """Arrived at a node (``place``), not yet sorted."""
    waiting: Fractions
    """Sorted at a lane's origin, waiting for the lane (``place``) to leave."""
    on_lanes: Fractions
    """On a lane, arriving at node ``place`` in hour ``hour``."""
    delivered_before: float = 0.0
    """Parcels delivered before ``hour`` (known for a state taken from a run; 0 otherwise)."""

    @property
    def total(self) -> float:
        """Parcels in the state: queued, waiting for lanes and on lanes."""
        return self.queued.total + self.waiting.total + self.on_lanes.total

    def at_nodes(self, lane_origin: IntArray) -> FloatArray:
        """[node] parcels at each node (queued + waiting to leave): the backlog the run would
        have recorded at the end of the hour before."""
        nodes = len(self.node_ids)
        waiting = np.zeros(nodes)
        np.add.at(waiting, lane_origin, self.waiting.by_place(len(lane_origin)))
        return self.queued.by_place(nodes) + waiting


def empty_state(plan: SimulationPlan, hour: int = 0) -> SimulationState:
    """Nothing at nodes or on lanes at the start of ``hour``."""
    none = np.zeros(0, dtype=np.int64)
    cohorts = StateCohorts(
        none,
        none,
        none,
        np.zeros(0),
        np.zeros(0),
        none,
        plan.route_nodes[:0],
        plan.route_lanes[:0],
        none,
    )
    empty = Fractions.empty()
    return SimulationState(hour, plan.node_ids, cohorts, empty, empty, empty)


def resume_plan(plan: SimulationPlan, state: SimulationState) -> tuple[SimulationPlan, int]:
    """The plan a run from ``state`` works on, and where the state's cohorts start in it.

    Its cohorts are the plan's accepted from ``state.hour`` on (in their order), then the
    state's; its routes are the plan's, then the state's. Everything else is the plan's."""
    if state.node_ids != plan.node_ids:
        raise ValueError("the state is over other nodes than the plan")
    future = np.flatnonzero(plan.cohort_hour >= state.hour)
    cohorts = state.cohorts
    routes = len(plan.route_length)
    width = max(plan.route_nodes.shape[1], cohorts.route_nodes.shape[1])
    resumed = replace(
        plan,
        cohort_route=np.concatenate([plan.cohort_route[future], cohorts.route + routes]),
        route_nodes=np.concatenate(
            [_pad(plan.route_nodes, width), _pad(cohorts.route_nodes, width)]
        ),
        route_lanes=np.concatenate(
            [_pad(plan.route_lanes, width), _pad(cohorts.route_lanes, width)]
        ),
        route_length=np.concatenate([plan.route_length, cohorts.route_length]),
        cohort_origin=np.concatenate([plan.cohort_origin[future], cohorts.origin]),
        cohort_destination=np.concatenate([plan.cohort_destination[future], cohorts.destination]),
        cohort_hour=np.concatenate([plan.cohort_hour[future], cohorts.hour]),
        cohort_parcels=np.concatenate([plan.cohort_parcels[future], cohorts.parcels]),
        cohort_time_limit=np.concatenate([plan.cohort_time_limit[future], cohorts.time_limit]),
    )
    return resumed, len(future)


def plan_until(plan: SimulationPlan, hours: int) -> SimulationPlan:
    """The plan's first ``hours`` hours (its cohorts accepted before, its departures in them).

    A projection from a state at hour ``h`` over the next day runs ``plan_until(plan, h + 24)``
    rather than the rest of the season; its hours are those of the whole plan's run, whose
    decisions in an hour depend on nothing later."""
    if not 0 < hours <= plan.hours:
        raise ValueError(f"hours must be from 1 to {plan.hours}")
    keep = plan.cohort_hour < hours
    return replace(
        plan,
        hours=hours,
        sorting_capacity=plan.sorting_capacity[:, :hours],
        accepting=plan.accepting[:, :hours],
        departures={hour: leaving for hour, leaving in plan.departures.items() if hour < hours},
        cohort_route=plan.cohort_route[keep],
        cohort_origin=plan.cohort_origin[keep],
        cohort_destination=plan.cohort_destination[keep],
        cohort_hour=plan.cohort_hour[keep],
        cohort_parcels=plan.cohort_parcels[keep],
        cohort_time_limit=plan.cohort_time_limit[keep],
    )


def _pad(table: IntArray, width: int) -> IntArray:
    """``table`` widened to ``width`` columns with -1 (past the end of a route)."""
    if table.shape[1] == width:
        return table
    padded = np.full((table.shape[0], width), -1, dtype=np.int64)
    padded[:, : table.shape[1]] = table
    return padded
