"""Partial aggregates of the scan events, kept at ingest so a bulletin reads parcel rows
rather than every event (issue #21; ``docs/reference/partials.md``).

Four kinds of rows, each keyed by the parcel (its carrier's waybill), so a batch of events
changes exactly the rows of the parcels it touches:

- **parcels**: one row per parcel with the moments the parcel KPIs need: acceptance, the first
  and second departure, the last and the last-but-one arrival, delivery, the last scan, the
  first return and the first exception of each counted reason, the first and last X-ray
  screening at a hub;
- **stays**: one row per (parcel, node) it was scanned at: entered (first accept or arrival),
  left (last departure or delivery), first and last arrival;
- **departures**: one row per ``depart`` event, with the first and last arrival at the node it
  left for and the parcel's acceptance (filled in when the rows are merged);
- **accepts**: one row per ``accept`` event with its security flags, and the parcel's first and
  last hub screening (filled in when merged).

Why this is exact: every column of a parcel or stay row is a minimum or a maximum over its
events, or the second smallest (largest) distinct value of one. Each event is first turned into
a row of its own (:func:`parcel_rows`, :func:`stay_rows`); :func:`merge_parcels` and
:func:`merge_stays` combine any rows of the same parcel into one, and since a minimum of
minima is the minimum (and the two smallest distinct values of a union are among the two
smallest of each part), merging the stored row with a late batch's rows gives the row of all
the parcel's events, in whatever order the batches came. Departures and accepts are the events
themselves (ingest stores each event once), so they are simply added.

The rows hold every event stored, without a cutoff; :mod:`.partial_figures` derives the KPIs
from them *as of* a moment, which is exact only when no stored event is later than that moment
(the bulletin checks this and reads the raw events otherwise).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from peakguard.analytics.nodes import dwell_seconds, stay_hour_counts
from peakguard.analytics.parcels import SECONDS_PER_HOUR, seconds
from peakguard.domain.scans import EventType, ExceptionReason

PARCEL_KEY: tuple[str, ...] = ("bucket", "carrier", "waybill")
"""A parcel's rows are keyed by its carrier's waybill, with its :func:`bucket` (which follows
from them) so a bucket's rows can be written apart without hashing every row again."""
STAY_KEY: tuple[str, ...] = (*PARCEL_KEY, "node_id")
NODE_HOUR_COLUMNS: tuple[str, ...] = (
    "node_id",
    "hour",
    "arrived",
    "departed",
    "dwelled",
    "dwell_seconds",
)

FLAG_MOMENTS: dict[str, ExceptionReason] = {
    "damaged_at": ExceptionReason.damage,
    "lost_at": ExceptionReason.loss,
    "locker_without_consent_at": ExceptionReason.locker_without_consent,
}
"""The first exception of each reason a parcel KPI counts (damage, loss, locker)."""

HUB_SCREENING = (EventType.sort.value, EventType.arrive.value)
ENTERING = (EventType.accept.value, EventType.arrive.value)
LEAVING = (EventType.depart.value, EventType.deliver.value)

_MINIMA = (
    "origin_region",
    "destination_region",
    "product",
    "outlet_id",
    "accepted_at",
    "delivered_at",
    "returned_at",
    *FLAG_MOMENTS,
    "hub_screened_first_at",
)
_MAXIMA = ("last_scan_at", "hub_screened_last_at")

PARCEL_COLUMNS: tuple[str, ...] = (
    *PARCEL_KEY,
    "origin_region",
    "destination_region",
    "product",
    "outlet_id",
    "accepted_at",
    "first_departed_at",
    "second_departed_at",
    "last_arrived_at",
    "last_hub_arrived_at",
    "delivered_at",
    "last_scan_at",
    "returned_at",
    *FLAG_MOMENTS,
    "hub_screened_first_at",
    "hub_screened_last_at",
)
STAY_COLUMNS: tuple[str, ...] = (
    *STAY_KEY,
    "entered_at",
    "left_at",
    "first_arrived_at",
    "last_arrived_at",
)
DEPARTURE_BASE: tuple[str, ...] = (*STAY_KEY, "next_node_id", "departed_at")
DEPARTURE_COLUMNS: tuple[str, ...] = (
    *DEPARTURE_BASE,
    "next_first_arrived_at",
    "next_last_arrived_at",
    "accepted_at",
)
ACCEPT_BASE: tuple[str, ...] = (
    *STAY_KEY,
    "origin_region",
    "time",
    "real_name_verified",
    "inspected",
    "x_rayed",
)
ACCEPT_COLUMNS: tuple[str, ...] = (*ACCEPT_BASE, "hub_screened_first_at", "hub_screened_last_at")


def bucket(events: ir.Table) -> ir.StringValue:
    """A parcel's bucket: the first hexadecimal digit of the MD5 of its carrier, U+001F and
    its waybill (MD5: the same digit on any engine and in any version)."""
    return (events.carrier + "\x1f" + events.waybill).hexdigest("md5").substr(0, 1)


def _when(condition: ir.BooleanValue, value: ir.Value) -> ir.Value:
    return ibis.ifelse(condition, value, ibis.null(value.type().copy(nullable=True)))


def _in_utc(rows: ir.Table, columns: tuple[str, ...]) -> ir.Table:
    """``columns`` of ``rows`` in order, each moment (``…_at``) as a UTC timestamp to the
    microsecond, so the rows of events and the rows read from files line up in a union."""
    return rows.select(
        *(
            rows[name].cast("timestamp('UTC', 6)").name(name)
            if name.endswith("_at")
            else rows[name]
            for name in columns
        )
    )


def parcel_rows(events: ir.Table) -> ir.Table:
    """Each event as a parcel row of its own (the moments it is, the others empty)."""
    event, time = events.event, events.time
    is_ = {kind: event == kind.value for kind in EventType}
    screened = event.isin(HUB_SCREENING) & events.x_rayed.fill_null(False)
    moments: dict[str, ir.Value] = {
        "outlet_id": _when(is_[EventType.accept], events.node_id),
        "accepted_at": _when(is_[EventType.accept], time),
        "first_departed_at": _when(is_[EventType.depart], time),
        "second_departed_at": ibis.null("timestamp"),
        "last_arrived_at": _when(is_[EventType.arrive], time),
        "last_hub_arrived_at": ibis.null("timestamp"),
        "delivered_at": _when(is_[EventType.deliver], time),
        "last_scan_at": time,
        "returned_at": _when(is_[EventType.returned], time),
        **{
            name: _when(is_[EventType.exception] & (events.reason == reason.value), time)
            for name, reason in FLAG_MOMENTS.items()
        },
        "hub_screened_first_at": _when(screened, time),
        "hub_screened_last_at": _when(screened, time),
    }
    rows = events.select(*PARCEL_KEY, "origin_region", "destination_region", "product", **moments)
    return conform_parcels(rows)


def conform_parcels(rows: ir.Table) -> ir.Table:
    """The parcel rows' columns in order, times as UTC timestamps (so unions line up)."""
    return _in_utc(rows, PARCEL_COLUMNS)


def merge_parcels(rows: ir.Table) -> ir.Table:
    """One row per parcel from any number of its rows (stored rows and new events' rows).

    Minima and maxima merge as themselves. The second departure is the smallest departure
    after the first: each row offers its first departure if it is later than the parcel's
    first, else its own second (the rows' seconds are later than their firsts). The last hub
    arrival is the mirror image: the largest arrival before the last. (Grouped twice and
    joined on the key rather than a window over every row: only the moves' rows are joined.)"""
    key = list(PARCEL_KEY)
    merged = rows.group_by(key).aggregate(
        **{name: rows[name].min() for name in _MINIMA},
        **{name: rows[name].max() for name in _MAXIMA},
        first_departed_at=rows.first_departed_at.min(),
        last_arrived_at=rows.last_arrived_at.max(),
    )
    moves = rows.filter(rows.first_departed_at.notnull() | rows.last_arrived_at.notnull())
    ends = merged.select(
        *key, parcel_first=merged.first_departed_at, parcel_last=merged.last_arrived_at
    )
    joined = moves.join(ends, key)
    offers = joined.group_by(key).aggregate(
        second_departed_at=ibis.ifelse(
            joined.first_departed_at > joined.parcel_first,
            joined.first_departed_at,
            joined.second_departed_at,
        ).min(),
        last_hub_arrived_at=ibis.ifelse(
            joined.last_arrived_at < joined.parcel_last,
            joined.last_arrived_at,
            joined.last_hub_arrived_at,
        ).max(),
    )
    return conform_parcels(merged.left_join(offers, key).select(*PARCEL_COLUMNS))


def stay_rows(events: ir.Table) -> ir.Table:
    """Each event as a stay row of its own at its node."""
    event, time = events.event, events.time
    arrive = event == EventType.arrive.value
    return conform_stays(
        events.select(
            *STAY_KEY,
            entered_at=_when(event.isin(ENTERING), time),
            left_at=_when(event.isin(LEAVING), time),
            first_arrived_at=_when(arrive, time),
            last_arrived_at=_when(arrive, time),
        )
    )


def conform_stays(rows: ir.Table) -> ir.Table:
    return _in_utc(rows, STAY_COLUMNS)


def merge_stays(rows: ir.Table) -> ir.Table:
    """One row per (parcel, node): the earliest entry and arrival, the latest exit and
    arrival."""
    merged = rows.group_by(list(STAY_KEY)).aggregate(
        entered_at=rows.entered_at.min(),
        left_at=rows.left_at.max(),
        first_arrived_at=rows.first_arrived_at.min(),
        last_arrived_at=rows.last_arrived_at.max(),
    )
    return conform_stays(merged)


def departure_rows(events: ir.Table) -> ir.Table:
    """The ``depart`` events as departure rows (without the arrivals, filled by
    :func:`complete_departures`)."""
    departs = events.filter(events.event == EventType.depart.value)
    return departs.select(
        *STAY_KEY,
        next_node_id=departs.next_node_id,
        departed_at=departs.time.cast("timestamp('UTC', 6)"),
    )


def complete_departures(departures: ir.Table, stays: ir.Table, parcels: ir.Table) -> ir.Table:
    """Departure rows (:data:`DEPARTURE_BASE`) with the first and last arrival of the parcel at
    the node it left for and the parcel's acceptance, from the merged stays and parcels."""
    base = departures.select(*DEPARTURE_BASE)
    arrivals = stays.select(
        a_carrier=stays.carrier,
        a_waybill=stays.waybill,
        a_node=stays.node_id,
        next_first_arrived_at=stays.first_arrived_at,
        next_last_arrived_at=stays.last_arrived_at,
    )
    joined = base.left_join(
        arrivals,
        [
            base.carrier == arrivals.a_carrier,
            base.waybill == arrivals.a_waybill,
            base.next_node_id == arrivals.a_node,
        ],
    )
    accepted = parcels.select(
        p_carrier=parcels.carrier, p_waybill=parcels.waybill, accepted_at=parcels.accepted_at
    )
    joined = joined.left_join(
        accepted,
        [joined.carrier == accepted.p_carrier, joined.waybill == accepted.p_waybill],
    )
    return joined.select(*DEPARTURE_COLUMNS)


def accept_rows(events: ir.Table) -> ir.Table:
    """The ``accept`` events with their security flags (the hub screening filled by
    :func:`complete_accepts`)."""
    accepts = events.filter(events.event == EventType.accept.value)
    return accepts.select(
        *STAY_KEY,
        "origin_region",
        time=accepts.time.cast("timestamp('UTC', 6)"),
        real_name_verified=accepts.real_name_verified,
        inspected=accepts.inspected,
        x_rayed=accepts.x_rayed,
    )


def complete_accepts(accepts: ir.Table, parcels: ir.Table) -> ir.Table:
    """Accept rows (:data:`ACCEPT_BASE`) with the parcel's first and last hub screening."""
    base = accepts.select(*ACCEPT_BASE)
    hubs = parcels.select(
        p_carrier=parcels.carrier,
        p_waybill=parcels.waybill,
        hub_screened_first_at=parcels.hub_screened_first_at,
        hub_screened_last_at=parcels.hub_screened_last_at,
    )
    joined = base.left_join(hubs, [base.carrier == hubs.p_carrier, base.waybill == hubs.p_waybill])
    return joined.select(*ACCEPT_COLUMNS)


def node_hour_rows(stays: ir.Table) -> ir.Table:
    """:data:`NODE_HOUR_COLUMNS` from stay rows: per node and hour (since 1970, UTC) the stays
    entered and ended in it (:func:`~.nodes.stay_hour_counts`), and the stays that left in it
    with their dwell seconds (:func:`~.nodes.dwell_seconds`). Sums over disjoint stays, so a
    merge subtracts the replaced stays' rows and adds the merged ones'."""
    counts = stay_hour_counts(stays).mutate(
        dwelled=ibis.literal(0, "int64"), dwell_seconds=ibis.literal(0, "int64")
    )
    ended = stays.filter(stays.entered_at.notnull() & stays.left_at.notnull())
    ended = ended.mutate(
        hour=seconds(ended.left_at) // SECONDS_PER_HOUR, dwell=dwell_seconds(ended)
    )
    dwell = ended.group_by(["node_id", "hour"]).aggregate(
        arrived=ibis.literal(0, "int64"),
        departed=ibis.literal(0, "int64"),
        dwelled=ended.node_id.count(),
        dwell_seconds=ended.dwell.sum(),
    )
    return merge_node_hours([(counts, 1), (dwell, 1)])


def merge_node_hours(parts: list[tuple[ir.Table, int]]) -> ir.Table:
    """The sum of node-hour tables, each times its sign (+1 added, −1 taken away), without
    the rows that come to nothing."""
    measures = NODE_HOUR_COLUMNS[2:]
    signed = [
        table.select(
            node_id=table.node_id,
            hour=table.hour.cast("int64"),
            **{name: (table[name] * sign).cast("int64") for name in measures},
        )
        for table, sign in parts
    ]
    union = signed[0] if len(signed) == 1 else ibis.union(*signed, distinct=False)
    summed = union.group_by(["node_id", "hour"]).aggregate(
        **{name: union[name].sum().cast("int64") for name in measures}
    )
    nonzero = ibis.or_(*(summed[name] != 0 for name in measures))
    return summed.filter(nonzero).select(*NODE_HOUR_COLUMNS)


def node_owners(stays: ir.Table) -> ir.Table:
    """``node_id, carrier``: the (alphabetically first) carrier scanning at each node, as the
    bulletin's node lists name it."""
    return stays.group_by("node_id").aggregate(carrier=stays.carrier.min())


KINDS_SORT: dict[str, tuple[str, ...]] = {
    "parcels": ("accepted_at", "carrier", "waybill"),
    "stays": ("left_at", "carrier", "waybill", "node_id"),
    "departures": ("departed_at", "carrier", "waybill", "node_id"),
    "accepts": ("time", "carrier", "waybill", "node_id"),
}
"""How each kind's files are ordered: by the moment a period is selected on, so a reader's
filter skips the row groups of other days (Parquet keeps each group's minimum and maximum)."""
