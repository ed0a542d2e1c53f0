"""Running the KPI expressions: DuckDB in process (the default) or Apache Spark.

The KPI functions build Ibis expressions and know nothing of the engine; an :class:`Engine`
binds the events to a backend and returns results as pyarrow tables, sorted on every column
so the same events give the same rows on either engine. Times come back as UTC instants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias
from uuid import uuid4

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from peakguard.analytics.complaints import complaint_rates, parcel_volume
from peakguard.analytics.delivery import (
    delivery_rates,
    journey_times,
    on_time_rates,
    parcel_legs,
)
from peakguard.analytics.handovers import (
    handover_reconciliation,
    handovers,
    information_loss,
    stopped_trails,
    unmatched_handovers,
)
from peakguard.analytics.nodes import node_dwell, node_hours
from peakguard.analytics.parcels import parcel_facts
from peakguard.analytics.quality import exception_rates
from peakguard.analytics.security import security_compliance
from peakguard.analytics.settings import KpiSettings
from peakguard.domain.scans import SCAN_EVENT_SCHEMA

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

EventSource: TypeAlias = Path | str | pa.Table
"""An event lake folder (``<lake>/events/**/*.parquet``, hive-partitioned), a Parquet file or
glob, or an Arrow table."""

EVENT_COLUMNS = tuple(SCAN_EVENT_SCHEMA.names)

RETRACTED_KEY = ("carrier", "waybill", "event", "node_id", "time", "batch")
"""The columns of a lake's retraction files (``<lake>/retractions/*.parquet``): a retracted
event's key and the batch that stored it (the ``<batch>`` of its ``part-<batch>.parquet``)."""

_BATCH_OF_FILE = r"part-([^/\\]+)\.parquet$"


@dataclass(frozen=True)
class Engine:
    """A backend with the events bound to it as ``events`` (the contract's columns only)."""

    backend: BaseBackend
    events: ir.Table

    @property
    def name(self) -> str:
        return str(self.backend.name)

    def compute(self, expression: ir.Table) -> pa.Table:
        """Run ``expression``: a pyarrow table sorted on all its columns, times in UTC."""
        result = self.backend.to_pyarrow(expression)
        return _normalise(result)

    def compute_all(self, expressions: Mapping[str, ir.Table]) -> dict[str, pa.Table]:
        return {name: self.compute(expression) for name, expression in expressions.items()}

    def latest_event(self) -> datetime | None:
        """The latest event's time (UTC), one query on the time column; None without events."""
        latest = self.backend.to_pyarrow(self.events.time.max().as_scalar()).as_py()
        if latest is None:
            return None
        moment: datetime = latest if latest.tzinfo is not None else latest.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

    def as_of_latest(self, settings: KpiSettings) -> KpiSettings:
        """``settings`` with its cutoff stated: as given, or the latest event's time. A stated
        cutoff is a literal in every query, so no query reads the events twice (once for the
        latest time): DuckDB would keep every event in memory between the two."""
        if settings.cutoff is not None:
            return settings
        latest = self.latest_event()
        return settings if latest is None else replace(settings, cutoff=latest)

    def store(self, expression: ir.Table) -> ir.Table:
        """The expression's rows computed once, kept by the engine as a temporary table that
        later expressions read instead of recomputing them (select the columns they read
        first: a narrow table is a small one). DuckDB: ``CREATE TEMP TABLE … AS`` (Ibis's own
        ``cache`` declares columns NOT NULL from the expression's types, which an outer join's
        columns break); Spark: a cached DataFrame."""
        if self.name != "duckdb":
            return expression.cache()
        backend: Any = self.backend
        name = f"stored_{uuid4().hex}"
        backend.raw_sql(f'CREATE TEMP TABLE "{name}" AS {backend.compile(expression)}')
        table: ir.Table = backend.table(name)
        return table

    def release(self, stored: ir.Table) -> None:
        """Free a table of :meth:`store` once nothing more reads it (its memory goes back to
        the engine for the next pass)."""
        if self.name != "duckdb":
            stored.release()
            return
        backend: Any = self.backend
        backend.drop_table(stored.get_name(), force=True)


def duckdb_engine(source: EventSource, **options: Any) -> Engine:
    """Events read in place by an in-process DuckDB (``options`` go to ``ibis.duckdb.connect``,
    e.g. ``threads=4``); the session runs in UTC. DuckDB's progress bar is off: it would print
    to the command's (or the server's) standard output in the middle of its results."""
    backend = ibis.duckdb.connect(**options)
    backend.raw_sql("SET enable_progress_bar = false")
    if isinstance(source, pa.Table):
        table = backend.create_table("scan_events", source, temp=True)
    else:
        folder = _lake_folder(source)
        path = str(folder / "**" / "*.parquet") if folder is not None else str(source)
        retractions = _retractions(folder)
        table = backend.read_parquet(
            path,
            table_name="scan_events",
            hive_partitioning=folder is not None,
            filename=retractions is not None,
        )
        if retractions is not None:
            retracted = backend.read_parquet(retractions, table_name="retracted_events")
            table = _without_retracted(table, retracted)
    return Engine(backend, _contract(table))


def spark_engine(source: EventSource, session: Any | None = None) -> Engine:
    """Events on Apache Spark: ``session`` (a ``SparkSession``) or a new local one. The
    session's time zone is set to UTC, which the China-time days rely on."""
    if session is None:
        from pyspark.sql import SparkSession  # noqa: PLC0415 - pyspark is the optional [spark] extra

        session = (
            SparkSession.builder.master("local[*]")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
    session.conf.set("spark.sql.session.timeZone", "UTC")
    backend = ibis.pyspark.connect(session)
    name = f"scan_events_{uuid4().hex}"  # one session may hold several engines' events
    if isinstance(source, pa.Table):  # converted once, not at every query
        frame = session.createDataFrame(source)
    else:
        folder = _lake_folder(source)
        if folder is not None:  # Spark finds the hive partitions itself
            frame = session.read.option("basePath", str(folder)).parquet(str(folder))
        else:
            frame = session.read.parquet(str(source))
        retractions = _retractions(folder)
        if retractions is not None:
            frame = _spark_without_retracted(session, frame, retractions)
    frame.createOrReplaceTempView(name)
    table = backend.table(name)
    return Engine(backend, _contract(table))


def standard_kpis(
    events: ir.Table,
    settings: KpiSettings,
    *,
    lanes: ir.Table | pa.Table | None = None,
    complaints: ir.Table | None = None,
) -> dict[str, ir.Table]:
    """Every KPI with its default grouping, as named expressions (the bulletin's set)."""
    parcels = parcel_facts(events, settings)
    handover_table = handovers(events, settings, lanes)
    expressions = {
        "parcels": parcels,
        "delivery_rates": delivery_rates(parcels, settings),
        "delivery_rates_by_day": delivery_rates(parcels, settings, ("acceptance_day",)),
        "delivery_rates_by_pair": delivery_rates(
            parcels, settings, ("origin_city", "destination_city")
        ),
        "on_time_rates": on_time_rates(parcels, ("carrier", "pair_class")),
        "journey_times": journey_times(parcel_legs(events, parcels, settings)),
        "node_hours": node_hours(events, settings),
        "node_dwell": node_dwell(events, settings),
        "handover_reconciliation": handover_reconciliation(handover_table),
        "unmatched_handovers": unmatched_handovers(handover_table),
        "stopped_trails": stopped_trails(parcels),
        "information_loss": information_loss(parcels, handover_table),
        "exception_rates": exception_rates(parcels),
        "security_compliance": security_compliance(events, settings),
    }
    if complaints is not None:
        expressions["complaint_rates"] = complaint_rates(
            complaints, parcel_volume(parcels, ("carrier", "day")), ("carrier", "day")
        )
    return expressions


def _contract(table: ir.Table) -> ir.Table:
    """The contract's columns, in order (a lake's partition columns left out)."""
    return table.select(*EVENT_COLUMNS)


def _lake_folder(source: Path | str) -> Path | None:
    """The partitioned folder of a lake (``<lake>/events`` if it exists, else the folder
    itself); ``None`` for a file or a glob, read as given."""
    path = Path(source)
    if not path.is_dir():
        return None
    events = path / "events"
    return events if events.is_dir() else path


def _retractions(folder: Path | None) -> str | None:
    """The glob of the retraction files of the lake whose events are in ``folder``, or None
    when it has none (a lake without retractions is read as before)."""
    if folder is None:
        return None
    root = folder.parent if folder.name == "events" else folder
    found = root / "retractions"
    return str(found / "*.parquet") if any(found.glob("*.parquet")) else None


def _without_retracted(table: ir.Table, retracted: ir.Table) -> ir.Table:
    """The events no retraction names: a retraction names an event by its key and the batch
    that stored it, so the same event sent again after its retraction is kept."""
    table = table.mutate(_stored_batch=table.filename.re_extract(_BATCH_OF_FILE, 1))
    predicates = [table[name] == retracted[name] for name in RETRACTED_KEY[:-1]]
    predicates.append(table["_stored_batch"] == retracted["batch"])
    return table.anti_join(retracted, predicates)


def _spark_without_retracted(session: Any, frame: Any, retractions: str) -> Any:
    from pyspark.sql import functions  # noqa: PLC0415 - pyspark is the optional [spark] extra

    retracted = session.read.parquet(retractions).withColumnRenamed("batch", "_stored_batch")
    stored = frame.withColumn(
        "_stored_batch", functions.regexp_extract(functions.input_file_name(), _BATCH_OF_FILE, 1)
    )
    return stored.join(
        retracted.select(*RETRACTED_KEY[:-1], "_stored_batch"),
        on=[*RETRACTED_KEY[:-1], "_stored_batch"],
        how="left_anti",
    )


def _normalise(table: pa.Table) -> pa.Table:
    """UTC on every time column (Spark returns naive UTC), then sorted on all columns."""
    columns = []
    for field in table.schema:
        column = table.column(field.name)
        if pa.types.is_timestamp(field.type):
            if field.type.tz is None:
                column = column.cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
            else:
                column = column.cast(pa.timestamp("us", tz="UTC"))
        columns.append(column)
    result = pa.table(columns, names=table.column_names)
    if result.num_rows == 0:
        return result
    return result.sort_by([(name, "ascending") for name in result.column_names])
