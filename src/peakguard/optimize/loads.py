"""The program's data: releases, quota columns, capacity rows and how quotas load the rows.

Rows are of two kinds, for every node a planned parcel can reach:

- ``sorting``: one per shift worked (a shift that wraps midnight is one row), limited to the
  shift's sorting capacity over its hours (with the scenario's changes and closures) × margin;
- ``storage``: one per checked hour, limited to storage capacity × margin. The checked hours
  are each node's fullest hours of a normal day.

Each row's load is the background (parcels the plan does not move: inbound from outside the
province, the warm-up days, origins without releases), computed once on the uncongested
network, plus the quotas times their free-flow profiles (:mod:`.profiles`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from scipy.sparse import coo_array, csr_array

from peakguard.domain.network import Network, NodeKind
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.optimize.problem import PlanningProblem, origin_mixes_of
from peakguard.optimize.profiles import OriginMix, Profiles, uncongested_run
from peakguard.optimize.releases import OrderRelease, StaggerParameters
from peakguard.optimize.stagger_groups import (
    Formulation,
    LoadColumns,
    grouped_profiles,
    load_columns,
)
from peakguard.simulate.demand import normal_day_flows
from peakguard.simulate.plan import BoolArray, Demand, FloatArray, IntArray
from peakguard.simulate.run import scenario_capacities
from peakguard.simulate.scenario import Scenario


@dataclass(frozen=True)
class LoadModel:
    releases: list[OrderRelease]
    release_origin: IntArray
    release_carrier: IntArray
    pickup_release: IntArray
    pickup_day: IntArray
    pickup_delay_days: IntArray
    pickup_quota: IntArray
    quota_origin: IntArray
    quota_day: IntArray
    quota_of_release: IntArray
    """The quota column of each release's own release day."""
    entry_row: IntArray
    entry_quota: IntArray
    entry_value: FloatArray
    row_node: IntArray
    row_kind: np.ndarray
    row_start: IntArray
    """Hour (from the scenario's start) the row's shift begins, or the checked hour."""
    row_hours: IntArray
    row_capacity: FloatArray
    row_closed: BoolArray
    """The node is closed for some of the row's hours (its shift is cut short)."""
    row_limit: FloatArray
    row_background: FloatArray
    total_parcels: float
    columns: LoadColumns
    """The load columns ``entry_quota`` numbers: the quota columns, then the groups'."""

    def load_matrix(self) -> csr_array:
        """[row, load column] parcels of load per parcel of the column
        (:meth:`LoadColumns.expand` gives the columns' values from the quotas)."""
        shape = (len(self.row_limit), self.columns.count)
        return csr_array(
            coo_array((self.entry_value, (self.entry_row, self.entry_quota)), shape=shape)
        )

    def row_loads(self, quotas: FloatArray) -> FloatArray:
        """[row] the load of every row under ``quotas`` [quota column], background included."""
        load = self.row_background + self.load_matrix() @ self.columns.expand(quotas)
        return np.asarray(load, dtype=np.float64)

    def quota_load_matrix(self) -> csr_array:
        """[row, quota] parcels of load per parcel of quota (each group's column spread
        back to its members' quotas)."""
        quota_count = len(self.quota_origin)
        member = np.flatnonzero(self.columns.group_quota >= 0)
        spread = coo_array(
            (
                np.ones(quota_count + len(member)),
                (
                    np.concatenate([np.arange(quota_count), self.columns.group_quota[member]]),
                    np.concatenate([np.arange(quota_count), member]),
                ),
            ),
            shape=(self.columns.count, quota_count),
        )
        return csr_array(self.load_matrix() @ csr_array(spread))

    def unplanned_quotas(self) -> FloatArray:
        """Everything picked up on its release day: what happens without a plan."""
        totals = np.bincount(
            self.quota_of_release,
            weights=np.array([release.parcels for release in self.releases], dtype=float),
            minlength=len(self.quota_origin),
        )
        return np.asarray(totals, dtype=np.float64)


def origin_mixes(network: Network, scenario: Scenario) -> dict[int, OriginMix]:
    """Each origin's normal destinations and their shares (a compiled problem has them as
    ``problem.mixes``)."""
    return origin_mixes_of(normal_day_flows(network, scenario))


def check_releases(
    network: Network,
    scenario: Scenario,
    releases: list[OrderRelease],
    mixes: dict[int, OriginMix],
    places: list[str] | None = None,
) -> None:
    """Every release names a known origin of its carrier, inside the scenario's days.
    ``places`` says where each release came from (``releases.csv row 3``) for the messages."""
    nodes = network.node_index()
    position = {node.id: index for index, node in enumerate(network.nodes)}
    first, last = scenario.first_day, scenario.first_day + timedelta(days=scenario.days - 1)
    problems: list[Problem] = []
    if not releases:
        problems.append(Problem("releases", _("the file has no releases")))
    for index, release in enumerate(releases):
        where = f"releases[{index}]" if places is None else f"{places[index]}, column"
        node = nodes.get(release.origin)
        if node is None:
            problems.append(
                Problem(_at(where, "origin"), _("unknown node {node}", node=release.origin))
            )
        elif node.kind is not NodeKind.outlet:
            problems.append(
                Problem(_at(where, "origin"), _("'{node}' is not an outlet", node=release.origin))
            )
        elif node.carrier != release.carrier:
            problems.append(
                Problem(
                    _at(where, "carrier"),
                    _(
                        "outlet '{node}' belongs to carrier '{expected}', not '{carrier}'",
                        node=release.origin,
                        expected=node.carrier,
                        carrier=release.carrier,
                    ),
                )
            )
        elif position[release.origin] not in mixes:
            problems.append(
                Problem(
                    _at(where, "origin"),
                    _("outlet '{node}' has no destinations to send to", node=release.origin),
                )
            )
        if not first <= release.release_day <= last:
            problems.append(
                Problem(
                    _at(where, "release_day"),
                    _(
                        "must be within the scenario's days, {first} to {last}",
                        first=first.isoformat(),
                        last=last.isoformat(),
                    ),
                )
            )
        if release.latest_day < release.release_day:
            problems.append(Problem(_at(where, "latest_day"), _("must not be before release_day")))
        if not release.parcels >= 0:
            problems.append(Problem(_at(where, "parcels"), _("must not be negative")))
        elif not math.isfinite(release.parcels):
            problems.append(Problem(_at(where, "parcels"), _("must be a finite number")))
    if problems:
        raise InvalidInputError(_("The order releases have mistakes."), problems)


def _at(where: str, field: str) -> str:
    return f"{where} {field}" if where.endswith("column") else f"{where}.{field}"


@dataclass(frozen=True)
class LoadBasis:
    """What does not change when capacities or checked hours do: the releases and quota
    columns, the free-flow profiles, the background, and the sorting rows (shifts)."""

    releases: list[OrderRelease]
    release_origin: IntArray
    release_carrier: IntArray
    pickup_release: IntArray
    pickup_day: IntArray
    pickup_delay_days: IntArray
    pickup_quota: IntArray
    quota_origin: IntArray
    quota_day: IntArray
    quota_of_release: IntArray
    plan_days: IntArray
    quota_base: dict[int, int]
    first_plan_day: int
    profiles: Profiles
    background_processed: FloatArray
    background_backlog: FloatArray
    touched: BoolArray
    """[node] a planned parcel can reach it."""
    fullest: BoolArray
    """[node, hour of day] the node's fullest hours on a normal day."""
    sorting_cells: tuple[IntArray, IntArray, IntArray]
    """(node, hour, row) of every hour worked in a sorting row."""
    sorting_node: IntArray
    sorting_start: IntArray
    sorting_hours: IntArray
    sorting_background: FloatArray
    sorting_entries: tuple[IntArray, IntArray, FloatArray]
    columns: LoadColumns

    @property
    def hours(self) -> int:
        return int(self.background_backlog.shape[1])


def load_basis(
    problem: PlanningProblem,
    releases: list[OrderRelease],
    settings: StaggerParameters,
    places: list[str] | None = None,
    *,
    formulation: Formulation = "full",
) -> LoadBasis:
    """The releases compiled against ``problem``: checked, their columns, their free-flow
    profiles and the background load (``settings`` chooses the storage hours checked).
    ``formulation`` ``grouped`` lets origins that load the network alike share load columns
    (exact, :mod:`.stagger_groups`); ``full`` (the default) gives every origin its own."""
    network, scenario, mixes = problem.network, problem.scenario, problem.mixes
    check_releases(network, scenario, releases, mixes, places)
    columns = _plan_columns(network, scenario, releases)
    planned = columns.planned
    grouped = grouped_profiles(problem, planned, formulation)
    profiles = grouped.profiles
    loading = load_columns(
        grouped.groups, columns.quota_base, len(columns.plan_days), problem.normal_volumes
    )
    background = _background(problem, set(planned))
    touched = np.zeros(len(network.nodes), dtype=bool)
    touched[profiles.sorting_node] = True
    touched[profiles.storage_node] = True
    sorting = _sorting_rows(network, scenario.hours, touched, background.processed)
    return LoadBasis(
        releases=list(releases),
        release_origin=columns.release_origin,
        release_carrier=columns.release_carrier,
        pickup_release=columns.pickup_release,
        pickup_day=columns.pickup_day,
        pickup_delay_days=columns.pickup_day - columns.release_day[columns.pickup_release],
        pickup_quota=columns.pickup_quota,
        quota_origin=columns.quota_origin,
        quota_day=columns.quota_day,
        quota_of_release=columns.quota_of_release,
        plan_days=columns.plan_days,
        quota_base=columns.quota_base,
        first_plan_day=columns.first_plan_day,
        profiles=profiles,
        background_processed=background.processed,
        background_backlog=background.backlog,
        touched=touched,
        fullest=_fullest_hours(
            network, profiles, loading.key_volume, background.backlog, settings, scenario
        ),
        sorting_cells=sorting.cells,
        sorting_node=sorting.node,
        sorting_start=sorting.start,
        sorting_hours=sorting.hours,
        sorting_background=sorting.background,
        sorting_entries=_entries(
            profiles.sorting_origin,
            profiles.sorting_node,
            profiles.sorting_offset,
            profiles.sorting_value,
            sorting.lookup,
            columns.plan_days,
            loading.column_base,
            columns.first_plan_day,
        ),
        columns=loading,
    )


@dataclass(frozen=True)
class _PlanColumns:
    """The releases as the program sees them: one pickup column per release and day of its
    window, one quota column per planned origin and plan day (days from the scenario's
    start)."""

    planned: list[int]
    """Planned origins (node positions), in order: their quota columns come in this order."""
    release_origin: IntArray
    release_carrier: IntArray
    release_day: IntArray
    pickup_release: IntArray
    pickup_day: IntArray
    pickup_quota: IntArray
    quota_origin: IntArray
    quota_day: IntArray
    quota_of_release: IntArray
    plan_days: IntArray
    quota_base: dict[int, int]
    first_plan_day: int


def _plan_columns(
    network: Network, scenario: Scenario, releases: list[OrderRelease]
) -> _PlanColumns:
    """Each release's pickup days (its window cut at the last plan day) and quota columns."""
    position = {node.id: index for index, node in enumerate(network.nodes)}
    start_day = scenario.start.date()
    first_plan_day = scenario.warm_up_days
    last_plan_day = scenario.hours // 24 - 1

    release_origin = np.array([position[item.origin] for item in releases], dtype=np.int64)
    carriers = sorted({item.carrier for item in releases})
    release_carrier = np.array([carriers.index(item.carrier) for item in releases], dtype=np.int64)
    release_day = np.array(
        [(item.release_day - start_day).days for item in releases], dtype=np.int64
    )
    latest_day = np.minimum(
        np.array([(item.latest_day - start_day).days for item in releases], dtype=np.int64),
        last_plan_day,
    )

    planned = sorted(set(release_origin.tolist()))
    plan_days = np.arange(first_plan_day, last_plan_day + 1, dtype=np.int64)
    quota_base = {origin: k * len(plan_days) for k, origin in enumerate(planned)}

    window = latest_day - release_day + 1
    pickup_release = np.repeat(np.arange(len(releases)), window)
    pickup_day = release_day[pickup_release] + (
        np.arange(int(window.sum())) - np.repeat(np.cumsum(window) - window, window)
    )
    origin_base = np.array([quota_base[int(o)] for o in release_origin], dtype=np.int64)
    return _PlanColumns(
        planned=planned,
        release_origin=release_origin,
        release_carrier=release_carrier,
        release_day=release_day,
        pickup_release=pickup_release,
        pickup_day=pickup_day,
        pickup_quota=origin_base[pickup_release] + pickup_day - first_plan_day,
        quota_origin=np.repeat(np.array(planned, dtype=np.int64), len(plan_days)),
        quota_day=np.tile(plan_days, len(planned)),
        quota_of_release=origin_base + release_day - first_plan_day,
        plan_days=plan_days,
        quota_base=quota_base,
        first_plan_day=first_plan_day,
    )


@dataclass(frozen=True)
class _SortingRows:
    """Sorting rows: one per shift worked at a touched node."""

    lookup: IntArray
    """[node, hour] the sorting row the hour is worked in, or -1."""
    cells: tuple[IntArray, IntArray, IntArray]
    node: IntArray
    start: IntArray
    hours: IntArray
    background: FloatArray


def _sorting_rows(
    network: Network, hours: int, touched: BoolArray, background_processed: FloatArray
) -> _SortingRows:
    """The touched nodes' shifts worked over the scenario, and the background each sorts."""
    band = _band_starts(network, hours)
    sorting_lookup = np.full((len(network.nodes), hours), -1, dtype=np.int64)
    keys = np.where(
        touched[:, None] & (band >= 0), np.arange(len(network.nodes))[:, None] * hours + band, -1
    )
    valid = keys >= 0
    unique_keys, inverse = np.unique(keys[valid], return_inverse=True)
    sorting_lookup[valid] = inverse
    sorting_rows = len(unique_keys)
    cell_node, cell_hour = np.nonzero(valid)
    return _SortingRows(
        lookup=sorting_lookup,
        cells=(cell_node, cell_hour, sorting_lookup[cell_node, cell_hour]),
        node=unique_keys // hours,
        start=unique_keys % hours,
        hours=np.bincount(inverse, minlength=sorting_rows),
        background=np.asarray(
            np.bincount(inverse, weights=background_processed[valid], minlength=sorting_rows),
            dtype=np.float64,
        ),
    )


def build_load_model(
    basis: LoadBasis,
    problem: PlanningProblem,
    settings: StaggerParameters,
    *,
    extra_checked: BoolArray | None = None,
    storage_factor: FloatArray | None = None,
) -> LoadModel:
    """The rows with the problem's capacities: storage is checked at each node's fullest
    hours and at ``extra_checked`` [node, hour]; ``storage_factor`` [node] scales a node's
    storage limit (the simulation check lowers it where queues the program cannot see fill
    a node)."""
    hours = basis.hours
    network = problem.network
    capacity, accepting, _factor, storage = scenario_capacities(network, problem.scenario)
    open_capacity = np.where(accepting, capacity, 0.0)
    cell_node, cell_hour, cell_row = basis.sorting_cells
    sorting_rows = len(basis.sorting_node)
    sorting_capacity = np.bincount(
        cell_row, weights=open_capacity[cell_node, cell_hour], minlength=sorting_rows
    )
    closed_hours = np.bincount(
        cell_row, weights=~accepting[cell_node, cell_hour], minlength=sorting_rows
    )

    checked = basis.touched[:, None] & basis.fullest[:, np.arange(hours) % 24]
    if extra_checked is not None:
        checked |= extra_checked & basis.touched[:, None]
    storage_lookup = np.full((len(network.nodes), hours), -1, dtype=np.int64)
    storage_lookup[checked] = sorting_rows + np.arange(int(checked.sum()))
    storage_node, storage_hour = np.nonzero(checked)
    storage_rows = len(storage_node)
    profiles = basis.profiles
    storage_entries = _entries(
        profiles.storage_origin,
        profiles.storage_node,
        profiles.storage_offset,
        profiles.storage_value,
        storage_lookup,
        basis.plan_days,
        basis.columns.column_base,
        basis.first_plan_day,
    )
    factor = np.ones(len(network.nodes)) if storage_factor is None else storage_factor
    row_capacity = np.concatenate([sorting_capacity, storage[storage_node]])
    limits = np.concatenate(
        [
            sorting_capacity * settings.sorting_margin,
            storage[storage_node] * settings.storage_margin * factor[storage_node],
        ]
    )
    entries = (basis.sorting_entries, storage_entries)
    return LoadModel(
        releases=basis.releases,
        release_origin=basis.release_origin,
        release_carrier=basis.release_carrier,
        pickup_release=basis.pickup_release,
        pickup_day=basis.pickup_day,
        pickup_delay_days=basis.pickup_delay_days,
        pickup_quota=basis.pickup_quota,
        quota_origin=basis.quota_origin,
        quota_day=basis.quota_day,
        quota_of_release=basis.quota_of_release,
        entry_row=np.concatenate([e[0] for e in entries]),
        entry_quota=np.concatenate([e[1] for e in entries]),
        entry_value=np.concatenate([e[2] for e in entries]),
        row_node=np.concatenate([basis.sorting_node, storage_node]).astype(np.int64),
        row_kind=np.array(["sorting"] * sorting_rows + ["storage"] * storage_rows, dtype=object),
        row_start=np.concatenate([basis.sorting_start, storage_hour]).astype(np.int64),
        row_hours=np.concatenate([basis.sorting_hours, np.ones(storage_rows, dtype=np.int64)]),
        row_capacity=row_capacity,
        row_closed=np.concatenate([closed_hours > 0, ~accepting[storage_node, storage_hour]]),
        row_limit=limits,
        row_background=np.concatenate(
            [basis.sorting_background, basis.background_backlog[storage_node, storage_hour]]
        ),
        total_parcels=float(sum(item.parcels for item in basis.releases)),
        columns=basis.columns,
    )


@dataclass(frozen=True)
class _Background:
    processed: FloatArray
    backlog: FloatArray
    """[node, hour] parcels at the node at the end of the hour."""


def _background(problem: PlanningProblem, planned: set[int]) -> _Background:
    """Load the plan does not move: everything but the planned origins' pickups after warm-up."""
    scenario, demand = problem.scenario, problem.demand
    is_planned = np.zeros(len(problem.network.nodes), dtype=bool)
    is_planned[np.array(sorted(planned), dtype=np.int64)] = True
    moved = is_planned[demand.origin] & (demand.hour >= scenario.warm_up_hours)
    kept = Demand(
        demand.origin[~moved],
        demand.destination[~moved],
        demand.hour[~moved],
        demand.parcels[~moved],
    )
    run = uncongested_run(problem.network, problem.routing, kept, hours=scenario.hours, trace=False)
    return _Background(run.processed, run.backlog)


def _band_starts(network: Network, hours: int) -> IntArray:
    """[node, hour] the hour (from the start) the shift covering it began, -1 if none."""
    result = np.full((len(network.nodes), hours), -1, dtype=np.int64)
    absolute = np.arange(hours)
    for index, node in enumerate(network.nodes):
        start_of = np.full(24, -1, dtype=np.int64)
        for shift in node.shifts:
            for hour in shift.hours():
                if start_of[hour] < 0:
                    start_of[hour] = shift.start_hour
        starts = start_of[absolute % 24]
        covered = starts >= 0
        began = absolute - ((absolute % 24 - starts) % 24)
        result[index] = np.where(covered & (began >= 0), began, np.where(covered, 0, -1))
    return result


def _fullest_hours(
    network: Network,
    profiles: Profiles,
    key_volume: FloatArray,
    background_backlog: FloatArray,
    settings: StaggerParameters,
    scenario: Scenario,
) -> np.ndarray:
    """[node, hour of day] True for the node's ``storage_hours_per_day`` fullest hours
    (``key_volume``: the normal-day parcels of each profile's load key)."""
    nodes = len(network.nodes)
    profile = np.zeros((nodes, 24))
    weights = key_volume[profiles.storage_origin]
    np.add.at(
        profile,
        (profiles.storage_node, profiles.storage_offset % 24),
        profiles.storage_value * weights,
    )
    day = min(scenario.warm_up_days, background_backlog.shape[1] // 24 - 1)
    profile += background_backlog[:, 24 * day : 24 * day + 24] if day >= 0 else 0.0
    count = settings.storage_hours_per_day
    ranked = np.argsort(-profile, axis=1, kind="stable")[:, :count]
    chosen = np.zeros((nodes, 24), dtype=bool)
    np.put_along_axis(chosen, ranked, True, axis=1)
    return chosen


def _entries(
    origin: IntArray,
    node: IntArray,
    offset: IntArray,
    value: FloatArray,
    lookup: IntArray,
    plan_days: IntArray,
    column_base: dict[int, int],
    first_plan_day: int,
) -> tuple[IntArray, IntArray, FloatArray]:
    """(row, load column, value) for every profile entry on every planning day, day by day
    (the rolling windows take a day's entries as a slice: see ``stagger_rolling``)."""
    hours = lookup.shape[1]
    absolute = 24 * plan_days[:, None] + offset[None, :]
    inside = absolute < hours
    rows = np.where(inside, lookup[node[None, :], np.minimum(absolute, hours - 1)], -1)
    base = first_load_columns(column_base, origin)
    columns = base[None, :] + (plan_days - first_plan_day)[:, None]
    keep = rows >= 0
    return (
        rows[keep],
        np.broadcast_to(columns, rows.shape)[keep],
        np.broadcast_to(value[None, :], rows.shape)[keep],
    )


def first_load_columns(column_base: dict[int, int], keys: IntArray) -> IntArray:
    """[entry] the first load column of each entry's load key (a lookup table, not a loop
    over the entries: national profiles have millions)."""
    table = np.full(max(column_base, default=-1) + 1, -1, dtype=np.int64)
    table[np.fromiter(column_base.keys(), dtype=np.int64)] = np.fromiter(
        column_base.values(), dtype=np.int64
    )
    return np.asarray(table[keys], dtype=np.int64)
