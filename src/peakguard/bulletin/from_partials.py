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

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from peakguard.analytics.partial_figures import (
    accept_events,
    facts_from_partials,
    handovers_from_departures,
    legs_from_facts,
    node_dwell_from_stays,
    node_hours_from_stays,
)
from peakguard.analytics.partials_lake import KINDS, Manifest, kind_paths, partials_directory
from peakguard.analytics.settings import KpiSettings
from peakguard.bulletin.periods import Period


@dataclass(frozen=True)
class PartialSource:
    """The current partial files of a lake, bound to one DuckDB connection."""

    backend: Any
    tables: dict[str, ir.Table]
    nodes: ir.Table

    @classmethod
    def open(cls, lake: Path, manifest: Manifest) -> PartialSource:
        backend = ibis.duckdb.connect()
        backend.raw_sql("SET enable_progress_bar = false")
        tables = {
            kind: backend.read_parquet(kind_paths(lake, manifest, kind), table_name=f"p_{kind}")
            for kind in KINDS
        }
        nodes = backend.read_parquet(
            str(partials_directory(lake) / str(manifest.nodes)), table_name="p_nodes"
        )
        return cls(backend, tables, nodes)

    def facts(self, measured: KpiSettings, first: Period, last: Period) -> ir.Table:
        """Parcel facts as of ``measured.cutoff`` of the parcels accepted from the start of
        ``first`` to the end of ``last``."""
        parcels = self.tables["parcels"]
        parcels = parcels.filter(
            (parcels.accepted_at >= ibis.literal(first.start))
            & (parcels.accepted_at < ibis.literal(last.end))
        )
        return facts_from_partials(parcels, measured)

    @staticmethod
    def legs(facts: ir.Table) -> ir.Table:
        return legs_from_facts(facts)

    def handovers(
        self, measured: KpiSettings, lanes: ir.Table | None, period: Period, previous: Period
    ) -> ir.Table:
        """The handovers of the departures in ``period`` and of the parcels accepted in
        ``previous`` or ``period`` (all the bulletin reads), as of ``measured.cutoff``."""
        rows = self.tables["departures"]
        rows = rows.filter(
            (
                (rows.departed_at >= ibis.literal(period.start))
                & (rows.departed_at < ibis.literal(period.end))
            )
            | (
                (rows.accepted_at >= ibis.literal(previous.start))
                & (rows.accepted_at < ibis.literal(period.end))
            )
        )
        return handovers_from_departures(rows, measured, lanes)

    def _stays(self, period: Period) -> ir.Table:
        """The stays that count in the period's hours or dwell: entered before its end and not
        left before its start, or left within it."""
        stays = self.tables["stays"]
        start, end = ibis.literal(period.start), ibis.literal(period.end)
        left = ibis.greatest(stays.left_at, stays.entered_at)
        return stays.filter(
            stays.entered_at.notnull()
            & (
                ((stays.entered_at < end) & (stays.left_at.isnull() | (left >= start)))
                | ((stays.left_at >= start) & (stays.left_at < end))
            )
        )

    def node_hours(self, measured: KpiSettings, period: Period) -> ir.Table:
        return node_hours_from_stays(self._stays(period), measured)

    def node_dwell(self, period: Period) -> ir.Table:
        return node_dwell_from_stays(self._stays(period), ("node_id", "day"))

    def accepts(self, period: Period) -> ir.Table:
        """The accepts made in the period as scan events (with their hub screening)."""
        accepts = self.tables["accepts"]
        accepts = accepts.filter(
            (accepts.time >= ibis.literal(period.start)) & (accepts.time < ibis.literal(period.end))
        )
        return accept_events(accepts)

    def owners(self) -> ir.Table:
        return self.nodes


def earliest_as_of(as_of: datetime, previous_as_of: datetime) -> datetime:
    """The earlier of the two moments a bulletin measures at."""
    return min(as_of, previous_as_of)
