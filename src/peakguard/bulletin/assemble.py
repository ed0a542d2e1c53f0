"""The service-quality bulletin as plain data: headline figures per carrier with their change
against the previous period, rankings, the worst nodes and the worst origin–destination pairs.

Every figure comes from the KPI engine's functions (:mod:`peakguard.analytics`), grouped here by
carrier and by *period*: a parcel belongs to the period of its China-time acceptance day. Each
period is measured *as of* a stated moment (:mod:`peakguard.analytics.as_of`): the settings'
cutoff, or by default the period's end plus the maturity window (72 h), or now if earlier; the
previous period as of the same moment, or its own end plus the window if earlier. No event
after the as-of is read, so an event with a wrong clock cannot move a closed period. A delivery
rate counts only the parcels whose 72 (48) hours had run out by the as-of, delivered within
them or not; the on-time rate counts the parcels whose service-standard limit had run out, the
undelivered as late; times are means over the delivered parcels.

Changes (环比) are current − previous: in percentage points for rates, in hours for times, per
million for per-million rates, and as a relative change for parcel counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from peakguard.analytics import (
    LEGS,
    Engine,
    KpiSettings,
    complaint_rates,
    delivery_rates,
    duckdb_engine,
    exception_rates,
    handover_reconciliation,
    handovers,
    information_loss,
    journey_times,
    node_dwell,
    node_hours,
    on_time_rates,
    parcel_facts,
    parcel_legs,
    parcel_volume,
    security_compliance,
)
from peakguard.analytics.as_of import default_as_of, previous_as_of
from peakguard.analytics.handovers import UNMATCHED
from peakguard.analytics.parcels import china_day
from peakguard.analytics.partials_lake import usable_partials
from peakguard.bulletin.from_partials import PartialSource
from peakguard.bulletin.metrics import (
    COMPLAINT_METRICS,
    METRICS,
    Metric,
    Unit,
    change,
)
from peakguard.bulletin.model import (
    ALL_CARRIERS,
    Bulletin,
    BulletinOptions,
    BulletinScope,
    EmptyPeriodError,
    Figure,
    Headline,
    NodeBacklog,
    NodeDwell,
    NodeHandovers,
    PairRate,
    Ranking,
    Subject,
)
from peakguard.bulletin.periods import Period
from peakguard.bulletin.ranking import ranking as _ranking
from peakguard.bulletin.ranking import region_name
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _

CURRENT, PREVIOUS = "current", "previous"
Values = dict[tuple[str, str], dict[str, Any]]
"""(carrier, period) → metric → value."""

__all__ = [
    "CURRENT",
    "PREVIOUS",
    "assemble_bulletin",
    "bulletin_as_of",
    "day_ranges",
    "event_days",
    "measured_until",
    "open_events",
    "region_name",
    "scoped",
]


# -- opening the events -------------------------------------------------------------------------


def open_events(source: Path | str | pa.Table, *, source_name: str = "--lake") -> Engine:
    """A DuckDB engine over the source; a missing or empty lake folder is refused with a
    message that says so (DuckDB's own error would name a glob), located at ``source_name``."""
    if isinstance(source, pa.Table):
        return duckdb_engine(source)
    path = Path(source)
    if not path.exists():
        message = _("There is no event lake at {path}.", path=str(path))
        raise InvalidInputError(message, [Problem(source_name, message)])
    if path.is_dir() and not any(path.rglob("*.parquet")):
        message = _(
            "The event lake {path} holds no scan events; store some with peakguard events ingest.",
            path=str(path),
        )
        raise InvalidInputError(message, [Problem(source_name, message)])
    return duckdb_engine(path)


def scoped(engine: Engine, scope: BulletinScope | None) -> Engine:
    """The engine with only the events of the parcels in ``scope`` (every event of a parcel
    carries its carrier and its origin and destination regions, so a parcel is in or out
    whole)."""
    if scope is None or scope.everything:
        return engine
    events = engine.events
    if scope.carrier is not None:
        events = events.filter(events.carrier == scope.carrier)
    if scope.region_prefix:
        events = events.filter(
            events.origin_region.startswith(scope.region_prefix)
            | events.destination_region.startswith(scope.region_prefix)
        )
    return replace(engine, events=events)


def event_days(engine: Engine, first: date | None = None, last: date | None = None) -> list[date]:
    """The China days that have events (between ``first`` and ``last`` when given)."""
    events = engine.events
    days = events.select(day=china_day(events.time)).distinct()
    if first is not None and last is not None:
        days = days.filter(days.day.between(first, last))
    return sorted(engine.compute(days).column("day").to_pylist())


def day_ranges(days: Sequence[date]) -> str:
    """``2026-11-09 – 2026-11-12, 2026-11-15``: consecutive days joined into ranges."""
    ordered = sorted(set(days))
    parts: list[str] = []
    index = 0
    while index < len(ordered):
        end = index
        while end + 1 < len(ordered) and (ordered[end + 1] - ordered[end]).days == 1:
            end += 1
        first, last = ordered[index], ordered[end]
        parts.append(first.isoformat() if first == last else f"{first} – {last}")
        index = end + 1
    return ", ".join(parts)


# -- assembling ---------------------------------------------------------------------------------


def bulletin_as_of(period: Period, settings: KpiSettings, now: datetime | None = None) -> datetime:
    """The moment ``period`` is measured as of (UTC): the settings' cutoff when stated, else
    the period's end plus the maturity window, or ``now`` (default: the clock) if earlier."""
    if settings.cutoff is not None:
        return settings.cutoff.astimezone(UTC)
    moment = now if now is not None else datetime.now(UTC)
    return default_as_of(period.end, maturity_hours=settings.maturity_hours, now=moment)


def assemble_bulletin(
    source: Path | str | pa.Table,
    period: Period,
    *,
    settings: KpiSettings | None = None,
    complaints: pa.Table | None = None,
    lanes: pa.Table | None = None,
    options: BulletinOptions | None = None,
    source_name: str = "--lake",
    scope: BulletinScope | None = None,
    now: datetime | None = None,
) -> Bulletin:
    """The bulletin of ``period`` from the events in ``source`` (a lake folder, a Parquet file
    or glob, or an Arrow table of scan events), counting only the parcels in ``scope``, as of
    :func:`bulletin_as_of` (``now``: the clock's time, for the default).
    ``complaints`` has ``carrier``, ``day`` (the China day received) and ``valid``; ``lanes``
    has ``node_id, next_node_id, transit_hours`` for the handover check. Refused
    (:class:`EmptyPeriodError`) when the period has no events by the as-of."""
    settings = settings or KpiSettings()
    options = options or BulletinOptions()
    engine = scoped(open_events(source, source_name=source_name), scope)
    as_of = bulletin_as_of(period, settings, now)
    earliest = previous_as_of(as_of, period.previous().end, settings.maturity_hours)
    lake = Path(source) if not isinstance(source, pa.Table) and Path(source).is_dir() else None
    narrowed = scope is not None and not scope.everything
    manifest, unusable = usable_partials(lake, earliest, region_scope=narrowed)
    if manifest is not None and lake is not None:
        present = [day for day in manifest.days if period.contains(day)]
        if present:
            partials = PartialSource.open(lake, manifest)
            engine = Engine(partials.backend, partials.tables["parcels"])
            assembler = _Assembler(
                engine, period, settings, complaints, lanes, options, as_of=as_of, partials=partials
            )
            return replace(assembler.bulletin(present), figures_from="partials")
    present = event_days(measured_until(engine, as_of), period.first_day, period.last_day)
    if not present:
        days = event_days(engine)
        span = period.first_day.isoformat()
        if period.last_day != period.first_day:
            span += f" – {period.last_day.isoformat()}"
        message = _(
            "The event lake has no scan events for {period} ({days}).",
            period=period.label,
            days=span,
        )
        where = _("It has events for these China days: {days}.", days=day_ranges(days) or "–")
        raise EmptyPeriodError(message, [Problem(source_name, where)])
    assembler = _Assembler(engine, period, settings, complaints, lanes, options, as_of=as_of)
    return replace(assembler.bulletin(present), partials_unusable=unusable.value)


def measured_until(engine: Engine, as_of: datetime) -> Engine:
    """The engine with only the events at or before ``as_of``: nothing later is read."""
    events = engine.events
    return replace(engine, events=events.filter(events.time <= ibis.literal(as_of)))


class _Assembler:
    def __init__(
        self,
        engine: Engine,
        period: Period,
        settings: KpiSettings,
        complaints: pa.Table | None,
        lanes: pa.Table | None,
        options: BulletinOptions,
        *,
        as_of: datetime,
        partials: PartialSource | None = None,
    ) -> None:
        self.partials = partials
        self.period = period
        self.previous = period.previous()
        self.settings = settings
        before = previous_as_of(as_of, self.previous.end, settings.maturity_hours)
        self.as_of = {CURRENT: as_of, PREVIOUS: before}
        self.measured = {label: replace(settings, cutoff=at) for label, at in self.as_of.items()}
        self.complaints = complaints
        self.options = options
        self.engine = engine if partials is not None else measured_until(engine, as_of)
        self.events = events = self.engine.events
        # The lanes as a table of the same backend: a plain Arrow table would be an Ibis
        # memtable, which the raw CREATE … AS of _store cannot see.
        lane_table = (
            engine.backend.create_table(f"lanes_{uuid4().hex}", lanes, temp=True)
            if lanes is not None
            else None
        )
        # Each period's parcels and handovers as of its own moment, stored once as temporary
        # tables: every figure below reads them, and compiling the per-parcel pass into each
        # of some twenty queries costs more than running it.
        if partials is None:
            parts, tables = [], {}
            for label, measured in self.measured.items():
                parcels = parcel_facts(events, measured)
                parcels = parcels.mutate(period=self._tag(parcels.acceptance_day))
                parts.append(self._store(parcels.filter(parcels.period == label)))
                tables[label] = handovers(events, measured, lane_table)
            self.parcels = self._store(parts[0].union(parts[1]))
        else:  # the partials hold no event after the as-of: no cutoff filter is needed
            periods = {CURRENT: period, PREVIOUS: self.previous}
            self.parcels = self._store(partials.both_facts(self.measured, periods))
            tables = partials.both_handovers(self.measured, periods, lane_table, self.parcels)
        # The legs are read from the parcel facts alone (both paths' rule): a projection.
        self.legs = parcel_legs(events, self.parcels, self.measured[CURRENT])
        # Stored of the handovers: the late or missing (information loss); the current closed
        # (reconciliation) too on the raw path — the partials' recompute them from departures.
        raw = partials is None
        self.handovers_of = {
            label: self._store(self._read_handovers(table, closed=raw and label == CURRENT))
            for label, table in tables.items()
        }
        closed = self._read_handovers(tables[CURRENT], closed=True, departed=period)
        self.handovers = self.handovers_of[CURRENT] if raw else closed

    def _read_handovers(
        self, table: ir.Table, *, closed: bool, departed: Period | None = None
    ) -> ir.Table:
        """The closed handovers (``closed``) or the late or missing ones, of the departures
        in ``departed`` when given (a range filtered before the status); five columns."""
        rows = table.filter(table.status != "pending" if closed else table.status.isin(UNMATCHED))
        if departed is not None:
            rows = rows.filter(rows.departed_at >= departed.start, rows.departed_at < departed.end)
        return rows.select("waybill", "carrier", "node_id", "status", period=self._tag(rows.day))

    def _store(self, expression: ir.Table) -> ir.Table:
        """The expression's rows as a temporary table (``CREATE … AS``: ibis's create_table
        declares columns NOT NULL from the expression's types, which outer joins break)."""
        backend: Any = self.engine.backend
        name = f"bulletin_{uuid4().hex}"
        backend.raw_sql(f'CREATE TEMP TABLE "{name}" AS {backend.compile(expression)}')
        return backend.table(name)

    def _tag(self, day: ir.DateValue) -> ir.StringValue:
        """``current``/``previous`` for a China day in either period, else empty."""
        return ibis.cases(
            (day.between(self.period.first_day, self.period.last_day), CURRENT),
            (day.between(self.previous.first_day, self.previous.last_day), PREVIOUS),
            else_=ibis.null("string"),
        )

    def bulletin(self, present: Sequence[date]) -> Bulletin:
        values = self._headline_values()
        carriers = sorted({carrier for carrier, _period in values} - {ALL_CARRIERS})
        shown = tuple(
            item
            for item in METRICS
            if self.complaints is not None or item.key not in COMPLAINT_METRICS
        )
        headlines = tuple(
            Headline(carrier, self._figures(values, carrier, shown))
            for carrier in (ALL_CARRIERS, *carriers)
        )
        rankings = [
            _ranking(
                Subject.carrier,
                key,
                {c: values[(c, CURRENT)] for c in carriers},
                {c: values[(c, PREVIOUS)] for c in carriers},
                names={},
            )
            for key in ("rate_72h", "mean_journey_hours")
        ]
        for subject in (Subject.origin_province, Subject.origin_city):
            current, previous = self._region_values(subject.value)
            names = {code: region_name(code) for code in {*current, *previous}}
            for key in ("rate_72h", "mean_journey_hours"):
                ranking = _ranking(subject, key, current, previous, names=names)
                if subject is Subject.origin_city:
                    ranking = Ranking(
                        ranking.subject,
                        ranking.metric,
                        ranking.better,
                        ranking.rows[: self.options.rows],
                    )
                rankings.append(ranking)
        owners = self._node_carriers()
        return Bulletin(
            period=self.period,
            previous=self.previous,
            cutoff=self.as_of[CURRENT],
            previous_cutoff=self.as_of[PREVIOUS],
            settings=self.settings,
            options=self.options,
            metrics=shown,
            headlines=headlines,
            rankings=tuple(rankings),
            busiest_nodes=self._busiest_nodes(owners),
            slowest_nodes=self._slowest_nodes(owners),
            unmatched_nodes=self._unmatched_nodes(),
            worst_pairs=self._worst_pairs(),
            event_days=tuple(present),
        )

    # -- headline figures

    def _headline_values(self) -> Values:
        """(carrier, period) → metric → value, for every carrier and for ``all``."""
        values: Values = defaultdict(dict)
        parcels, settings = self.parcels, self.settings
        legs = self.legs
        for by in (("carrier", "period"), ("period",)):
            queries: list[tuple[ir.Table, dict[str, str]]] = [
                (
                    delivery_rates(parcels, settings, by),
                    {
                        name: name
                        for name in ("accepted", "delivered", "due_72h", "rate_72h", "rate_48h")
                    },
                ),
                (on_time_rates(parcels, by), {"on_time_rate": "due_on_time_rate"}),
                (
                    journey_times(legs, by),
                    {
                        name: name
                        for name in ("mean_journey_hours", *(f"mean_{leg}_hours" for leg in LEGS))
                    },
                ),
                (
                    self._information_loss(by),
                    {"information_loss_rate": "information_loss_rate"},
                ),
                (
                    exception_rates(parcels, by),
                    {
                        name: name
                        for name in (
                            "damaged_per_million",
                            "lost_per_million",
                            "locker_without_consent_per_million",
                        )
                    },
                ),
            ]
            if self.complaints is not None:
                queries.append(
                    (
                        self._complaint_rates(by),
                        {name: name for name in COMPLAINT_METRICS},
                    )
                )
            for expression, columns in queries:
                _take(values, self.engine.compute(expression), columns)
        self._security(values)
        return values

    def _information_loss(self, by: Sequence[str]) -> ir.Table:
        """Each period's parcels with the handovers as of the period's own moment."""
        parts = [
            information_loss(
                self.parcels.filter(self.parcels.period == label),
                self.handovers_of[label].drop("period"),
                by,
            )
            for label in (CURRENT, PREVIOUS)
        ]
        return parts[0].union(parts[1])

    def _security(self, values: Values) -> None:
        """The three-100 % share of the accepts made in each period (the accepting scan's
        China day, which is the parcel's acceptance day)."""
        for label, period in ((CURRENT, self.period), (PREVIOUS, self.previous)):
            events = self.events if self.partials is None else self.partials.accepts(period)
            window = events.filter(
                (events.time >= ibis.literal(period.start))
                & (events.time < ibis.literal(period.end))
                & (events.time <= ibis.literal(self.as_of[label]))
            )
            measured = self.measured[label]
            for by in (("carrier",), ()):
                table = self.engine.compute(security_compliance(window, measured, by))
                for row in table.to_pylist():
                    slot = values[(row.get("carrier", ALL_CARRIERS), label)]
                    slot["all_three_share"] = row["all_three_share"]

    def _complaint_rates(self, by: Sequence[str]) -> ir.Table:
        assert self.complaints is not None
        records = ibis.memtable(self.complaints)
        records = records.mutate(day=records.day.cast("date"))
        records = records.mutate(period=self._tag(records.day))
        records = records.filter(records.period.notnull())
        volume = parcel_volume(self.parcels, by)
        return complaint_rates(records, volume, by)

    def _figures(self, values: Values, carrier: str, shown: Sequence[Metric]) -> tuple[Figure, ...]:
        current = values.get((carrier, CURRENT), {})
        previous = values.get((carrier, PREVIOUS), {})
        figures = []
        for item in shown:
            now, before = current.get(item.key), previous.get(item.key)
            if item.unit is Unit.count:  # a carrier with no parcels accepted has zero
                now, before = now or 0, before or 0
            figures.append(Figure(item.key, now, before, change(item.unit, now, before)))
        return tuple(figures)

    # -- regions

    def _region_values(
        self, column: str
    ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        table = self.engine.compute(delivery_rates(self.parcels, self.settings, (column, "period")))
        current: dict[str, dict[str, Any]] = {}
        previous: dict[str, dict[str, Any]] = {}
        for row in table.to_pylist():
            (current if row["period"] == CURRENT else previous)[row[column]] = row
        return current, previous

    # -- nodes and pairs

    def _node_carriers(self) -> dict[str, str]:
        events = self.events
        table = self.engine.compute(
            events.group_by("node_id").aggregate(carrier=events.carrier.min())
            if self.partials is None
            else self.partials.owners()
        )
        return dict(
            zip(
                table.column("node_id").to_pylist(),
                table.column("carrier").to_pylist(),
                strict=True,
            )
        )

    def _busiest_nodes(self, owners: Mapping[str, str]) -> tuple[NodeBacklog, ...]:
        hours = self._node_hours()
        hours = hours.filter(
            (hours.hour >= ibis.literal(self.period.start))
            & (hours.hour < ibis.literal(self.period.end))
        )
        table = self.engine.compute(hours.order_by(["node_id", "hour"]))
        best: dict[str, dict[str, Any]] = {}
        arrived: dict[str, int] = defaultdict(int)
        for row in table.to_pylist():  # sorted by node, then hour: the first peak hour wins
            node = row["node_id"]
            arrived[node] += row["arrived"]
            if node not in best or row["backlog"] > best[node]["backlog"]:
                best[node] = row
        rows = [
            NodeBacklog(node, owners.get(node, ""), row["backlog"], row["hour"], arrived[node])
            for node, row in best.items()
            if row["backlog"] > 0
        ]
        rows.sort(key=lambda item: (-item.peak_backlog, item.node_id))
        return tuple(rows[: self.options.rows])

    def _node_hours(self) -> ir.Table:
        if self.partials is not None:
            return self.partials.node_hours(self.measured[CURRENT], self.period)
        return node_hours(self.events, self.measured[CURRENT])

    def _node_dwell(self) -> ir.Table:
        if self.partials is not None:
            return self.partials.node_dwell(self.period)
        return node_dwell(self.events, self.measured[CURRENT], ("node_id", "day"))

    def _slowest_nodes(self, owners: Mapping[str, str]) -> tuple[NodeDwell, ...]:
        dwell = self._node_dwell()
        dwell = dwell.filter(dwell.day.between(self.period.first_day, self.period.last_day))
        table = self.engine.compute(dwell)
        parcels: dict[str, int] = defaultdict(int)
        hours: dict[str, float] = defaultdict(float)
        for row in table.to_pylist():  # a period's mean from the days' means, by their parcels
            parcels[row["node_id"]] += row["parcels"]
            hours[row["node_id"]] += row["mean_dwell_hours"] * row["parcels"]
        rows = [
            NodeDwell(node, owners.get(node, ""), count, hours[node] / count)
            for node, count in parcels.items()
            if count
        ]
        rows.sort(key=lambda item: (-item.mean_dwell_hours, -item.parcels, item.node_id))
        return tuple(rows[: self.options.rows])

    def _unmatched_nodes(self) -> tuple[NodeHandovers, ...]:
        current = self.handovers.filter(self.handovers.period == CURRENT)
        table = self.engine.compute(handover_reconciliation(current, ("carrier", "node_id")))
        rows = [
            NodeHandovers(
                row["node_id"],
                row["carrier"],
                row["handovers"],
                row["late"],
                row["missing"],
                row["unmatched"],
                row["unmatched_rate"],
            )
            for row in table.to_pylist()
            if row["unmatched"] > 0
        ]
        rows.sort(key=lambda item: (-item.unmatched, -item.unmatched_rate, item.node_id))
        return tuple(rows[: self.options.rows])

    def _worst_pairs(self) -> tuple[PairRate, ...]:
        current = self.parcels.filter(self.parcels.period == CURRENT)
        table = self.engine.compute(
            delivery_rates(current, self.settings, ("origin_city", "destination_city"))
        )
        rows = [
            PairRate(
                row["origin_city"],
                region_name(row["origin_city"]),
                row["destination_city"],
                region_name(row["destination_city"]),
                row["due_72h"],
                row["delivered_72h"],
                row["rate_72h"],
                row["mean_journey_hours"],
            )
            for row in table.to_pylist()
            if row["rate_72h"] is not None and row["due_72h"] >= self.options.min_pair_parcels
        ]
        rows.sort(
            key=lambda item: (item.rate_72h, -item.due_72h, item.origin_city, item.destination_city)
        )
        return tuple(rows[: self.options.rows])


def _take(values: Values, table: pa.Table, columns: Mapping[str, str]) -> None:
    for row in table.to_pylist():
        slot = values[(row.get("carrier", ALL_CARRIERS), row["period"])]
        for name, column in columns.items():
            slot[name] = row[column]
