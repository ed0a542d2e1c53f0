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

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import ibis
import ibis.expr.types as ir

from peakguard.analytics.parcels import SECONDS_PER_HOUR
from peakguard.analytics.partial_figures import (
    accept_events,
    facts_from_partials,
    handovers_from_departures,
    legs_from_facts,
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
    """Rows read once and kept as temporary tables: both periods' figures read them."""

    @classmethod
    def open(cls, lake: Path, manifest: Manifest) -> PartialSource:
        backend = ibis.duckdb.connect()
        backend.raw_sql("SET enable_progress_bar = false")
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

    def facts(self, measured: KpiSettings, first: Period, last: Period) -> ir.Table:
        """Parcel facts as of ``measured.cutoff`` of the parcels accepted from the start of
        ``first`` to the end of ``last``."""
        return facts_from_partials(self._accepted(first, last), measured)

    def _accepted(self, first: Period, last: Period) -> ir.Table:
        """The parcel rows accepted from the start of ``first`` to the end of ``last``."""
        key = ("parcels", first.start, last.end)
        if key not in self.stored:
            parcels = self.tables["parcels"]
            parcels = parcels.filter(
                (parcels.accepted_at >= ibis.literal(first.start))
                & (parcels.accepted_at < ibis.literal(last.end))
            )
            unread = {"bucket", "hub_screened_first_at", "hub_screened_last_at"}
            self.stored[key] = self._store(
                parcels.select(*(name for name in parcels.columns if name not in unread))
            )
        return self.stored[key]

    def _store(self, expression: ir.Table) -> ir.Table:
        name = f"partials_{uuid4().hex}"
        self.backend.raw_sql(f'CREATE TEMP TABLE "{name}" AS {self.backend.compile(expression)}')
        return self.backend.table(name)

    @staticmethod
    def legs(facts: ir.Table) -> ir.Table:
        return legs_from_facts(facts)

    def handovers(
        self, measured: KpiSettings, lanes: ir.Table | None, period: Period, previous: Period
    ) -> ir.Table:
        """The handovers of the departures in ``period`` and of the parcels accepted in
        ``previous`` or ``period`` (all the bulletin reads), as of ``measured.cutoff``.

        Only the departures from the earliest of them on are read: the period's start, or
        the earliest first departure of those parcels (every departure of a parcel is at or
        after its first) — a range on the files' sort column, which DuckDB prunes by."""
        return handovers_from_departures(self._departures(period, previous), measured, lanes)

    def _departures(self, period: Period, previous: Period) -> ir.Table:
        key = ("departures", previous.start, period.end)
        if key in self.stored:
            return self.stored[key]
        rows = self.tables["departures"]
        accepted = self._accepted(previous, period)
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
        self.stored[key] = self._store(rows)
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
        """The accepts made in the period as scan events (with their hub screening), read
        once for the figures by carrier and overall."""
        key = ("accepts", period.start, period.end)
        if key not in self.stored:
            accepts = self.tables["accepts"]
            self.stored[key] = self._store(
                accept_events(
                    accepts.filter(
                        (accepts.time >= ibis.literal(period.start))
                        & (accepts.time < ibis.literal(period.end))
                    )
                )
            )
        return self.stored[key]

    def owners(self) -> ir.Table:
        return self.nodes


def earliest_as_of(as_of: datetime, previous_as_of: datetime) -> datetime:
    """The earlier of the two moments a bulletin measures at."""
    return min(as_of, previous_as_of)
