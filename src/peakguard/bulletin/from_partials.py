"""A bulletin's inputs read from the event lake's partial aggregates rather than its events.

The bulletin (:mod:`.assemble`) needs, for its period and the one before: the parcels accepted
in them (parcel facts and journey legs), the handovers of those parcels and of the period's
departures, the stays that touch the period's hours (backlog and dwell), the accepts made in
the period with their hub screening (three 100 %), and each node's carrier. Each is read here
from the rows kept at ingest (:mod:`peakguard.analytics.partials`), only the rows of the days
concerned (the files are sorted by the moment selected on, so DuckDB skips the other row
groups), and turned into the same tables the raw-event functions give
(:mod:`peakguard.analytics.partial_figures`). Only when the partials are current and settled
for the bulletin's earliest as-of (:func:`~peakguard.analytics.partials_lake.usable_partials`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import ibis
import ibis.expr.types as ir

from peakguard.analytics.delivery import LEG_INPUTS, rate_inputs
from peakguard.analytics.parcels import EXCEPTION_COLUMNS, SECONDS_PER_HOUR
from peakguard.analytics.partial_figures import (
    accept_events,
    facts_from_partials,
    handovers_from_departures,
    node_dwell_from_counts,
    node_hours_from_counts,
)
from peakguard.analytics.partials_lake import Manifest, kind_paths, partials_directory
from peakguard.analytics.settings import KpiSettings
from peakguard.bulletin.periods import Period

READ_KINDS: tuple[str, ...] = ("parcels", "departures", "accepts")
"""The kinds of rows a bulletin reads (the stays are read through the node-hour counts)."""


@dataclass(frozen=True)
class PartialSource:
    """The current partial files of a lake, bound to one DuckDB connection."""

    backend: Any
    tables: dict[str, ir.Table]
    nodes: ir.Table
    hour_counts: ir.Table
    stored: dict[tuple[str, datetime, datetime], ir.Table] = field(default_factory=dict)
    """Rows both periods' figures read: the accepts kept as temporary tables, the departures'
    range (found with a query) as the expression that reads it."""

    @classmethod
    def open(cls, lake: Path, manifest: Manifest) -> PartialSource:
        backend = ibis.duckdb.connect()
        backend.raw_sql("SET enable_progress_bar = false")
        # The stored tables' row order is never read (every figure groups, every list is
        # sorted): without keeping it, DuckDB stores them a third faster and in less memory.
        backend.raw_sql("SET preserve_insertion_order = false")
        tables = {
            kind: backend.read_parquet(kind_paths(lake, manifest, kind), table_name=f"p_{kind}")
            for kind in READ_KINDS
        }
        root = partials_directory(lake)
        nodes = backend.read_parquet(str(root / str(manifest.nodes)), table_name="p_nodes")
        hours = backend.read_parquet(
            str(root / str(manifest.node_hours)), table_name="p_node_hours"
        )
        return cls(backend, tables, nodes, hours)

    def facts(self, measured: KpiSettings, period: Period) -> ir.Table:
        """Parcel facts as of ``measured.cutoff`` of the parcels accepted in ``period``: only
        that period's rows are read (the files are sorted by acceptance, so the other row
        groups are skipped) and nothing is stored on the way."""
        return facts_from_partials(self._accepted(period, period), measured)

    def both_facts(
        self, measured: Mapping[str, KpiSettings], periods: Mapping[str, Period]
    ) -> ir.Table:
        """The parcel facts of each labelled period as of its own moment (``measured`` by the
        same labels), with its label as ``period`` and only the columns a bulletin's figures
        read (:func:`figure_columns`): one statement over both periods' rows."""
        parts = [
            self.facts(measured[label], period).mutate(period=ibis.literal(label))
            for label, period in periods.items()
        ]
        both = ibis.union(*parts, distinct=False)
        return both.select(*figure_columns(next(iter(measured.values()))))

    def both_handovers(
        self,
        measured: Mapping[str, KpiSettings],
        periods: Mapping[str, Period],
        lanes: ir.Table | None,
        accepted: ir.Table,
    ) -> dict[str, ir.Table]:
        """:meth:`handovers` as of each labelled moment: the first period's in full, the
        second's of its own parcels only (they feed only its parcels' information loss)."""
        (label, period), (_, previous) = periods.items()
        return {
            name: self.handovers(
                settings,
                lanes,
                (period, previous),
                accepted,
                of_parcels=None if name == label else previous,
            )
            for name, settings in measured.items()
        }

    def _accepted(self, first: Period, last: Period) -> ir.Table:
        """The parcel rows accepted from the start of ``first`` to the end of ``last``."""
        parcels = self.tables["parcels"]
        parcels = parcels.filter(
            (parcels.accepted_at >= ibis.literal(first.start))
            & (parcels.accepted_at < ibis.literal(last.end))
        )
        unread = {"bucket", "hub_screened_first_at", "hub_screened_last_at"}
        return parcels.select(*(name for name in parcels.columns if name not in unread))

    def _store(self, expression: ir.Table) -> ir.Table:
        name = f"partials_{uuid4().hex}"
        self.backend.raw_sql(f'CREATE TEMP TABLE "{name}" AS {self.backend.compile(expression)}')
        return self.backend.table(name)

    def handovers(
        self,
        measured: KpiSettings,
        lanes: ir.Table | None,
        periods: tuple[Period, Period],
        accepted: ir.Table,
        *,
        of_parcels: Period | None = None,
    ) -> ir.Table:
        """The handovers of the departures in the first of ``periods`` and of the parcels
        accepted in either (all the bulletin reads), as of ``measured.cutoff``; with
        ``of_parcels``, only those of the parcels accepted in that period. ``accepted``: the
        parcel facts of both periods (stored by the bulletin).

        Only the departures from the earliest of them on are read: the period's start, or
        the earliest first departure of those parcels (every departure of a parcel is at or
        after its first) — a range on the files' sort column, which DuckDB prunes by. Each
        reader reads them from the files (the range found once): storing them cost more than
        the three reads it saved (at 102 M events, 2.1 CPU s to write 5 M rows against about
        1 s more of reading, ``docs/benchmarks.md``)."""
        rows = self._departures(*periods, accepted)
        if of_parcels is not None:
            rows = rows.filter(
                (rows.accepted_at >= ibis.literal(of_parcels.start))
                & (rows.accepted_at < ibis.literal(of_parcels.end))
            )
        return handovers_from_departures(rows, measured, lanes)

    def _departures(self, period: Period, previous: Period, accepted: ir.Table) -> ir.Table:
        key = ("departures", previous.start, period.end)
        if key in self.stored:
            return self.stored[key]
        rows = self.tables["departures"]
        earliest = (
            self.backend.to_pyarrow(accepted.aggregate(earliest=accepted.first_departed_at.min()))
            .column("earliest")[0]
            .as_py()
        )
        since = period.start if earliest is None else min(period.start, earliest)
        rows = rows.filter(
            (rows.departed_at >= ibis.literal(since))
            & (
                (
                    (rows.departed_at >= ibis.literal(period.start))
                    & (rows.departed_at < ibis.literal(period.end))
                )
                | (
                    (rows.accepted_at >= ibis.literal(previous.start))
                    & (rows.accepted_at < ibis.literal(period.end))
                )
            )
        )
        read = ("waybill", "carrier", "node_id", "next_node_id", "departed_at", "accepted_at")
        self.stored[key] = rows.select(*read, "next_first_arrived_at", "next_last_arrived_at")
        return self.stored[key]

    def node_hours(self, measured: KpiSettings, period: Period) -> ir.Table:
        """The node hours from the period's start to the as-of (the backlog carried in)."""
        return node_hours_from_counts(self.hour_counts, measured, period.start)

    def node_dwell(self, period: Period) -> ir.Table:
        counts = self.hour_counts
        start = int(period.start.timestamp()) // SECONDS_PER_HOUR
        end = -(-int(period.end.timestamp()) // SECONDS_PER_HOUR)
        counts = counts.filter((counts.hour >= start) & (counts.hour < end))
        return node_dwell_from_counts(counts, ("node_id", "day"))

    def accepts(self, period: Period) -> ir.Table:
        """The accepts made in the period as scan events (with their hub screening): the rows
        read from the files once (one scan, only the columns read) and kept; the events made
        of them for each figure (three parts over the kept rows, by carrier and overall)."""
        key = ("accepts", period.start, period.end)
        if key not in self.stored:
            accepts = self.tables["accepts"]
            accepts = accepts.filter(
                (accepts.time >= ibis.literal(period.start))
                & (accepts.time < ibis.literal(period.end))
            )
            self.stored[key] = self._store(accepts.drop("bucket"))
        return accept_events(self.stored[key])

    def owners(self) -> ir.Table:
        return self.nodes


def earliest_as_of(as_of: datetime, previous_as_of: datetime) -> datetime:
    """The earlier of the two moments a bulletin measures at."""
    return min(as_of, previous_as_of)


def figure_columns(settings: KpiSettings) -> tuple[str, ...]:
    """The parcel facts' columns a bulletin's figures read (grouping, rates, legs,
    exceptions, information loss): the stored facts need hold no other."""
    columns = (
        "waybill",
        "carrier",
        "period",
        "acceptance_day",
        "origin_province",
        "origin_city",
        "destination_city",
        "trail_stopped",
        "on_time",
        "due_on_time",
        *EXCEPTION_COLUMNS,
        *LEG_INPUTS,
        *rate_inputs(settings),
    )
    return tuple(dict.fromkeys(columns))
