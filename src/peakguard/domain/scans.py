"""Scan events: the one record every service-quality figure is computed from.

A scan event says that a parcel (its waybill) had something happen to it at a node at a moment:
accepted at an outlet, sorted, departed toward the next node, arrived, out for delivery,
delivered, an exception with its reason, or returned. The columns and their meaning are
documented in ``docs/reference/scan-events.md``; this module is that contract in code, shared by
ingest (files and the bulk API), the event lake, the KPI engine and the simulator's own events.

Times carry a time zone on input and are stored in UTC; a *day* (for partitions, bulletins and
KPIs by day) is the calendar day in China Standard Time, the day the regulator counts in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

import pyarrow as pa

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), name="Asia/Shanghai")
"""UTC+8 without daylight saving: the day boundary for partitions and bulletins."""


class EventType(StrEnum):
    """What happened to the parcel (the ``event`` column)."""

    accept = "accept"
    """收寄: taken into the network at an outlet; carries the three security flags."""
    sort = "sort"
    """分拣: sorted at a node; a hub may record its X-ray screening (``x_rayed``) here."""
    depart = "depart"
    """发运: left the node toward ``next_node_id`` (required on this event)."""
    arrive = "arrive"
    """到达: arrived at a node (the handover counterpart of the previous node's depart); a hub
    may record its X-ray screening (``x_rayed``) here."""
    out_for_delivery = "out_for_delivery"
    """派件: handed to a courier at the delivering station."""
    deliver = "deliver"
    """妥投: delivered (to the addressee, a locker or a collection point with consent)."""
    exception = "exception"
    """异常: something went wrong; ``reason`` says what (required on this event)."""
    returned = "return"
    """退回: sent back toward the sender."""


class ExceptionReason(StrEnum):
    """Why an ``exception`` event was raised (the ``reason`` column)."""

    damage = "damage"
    """破损."""
    loss = "loss"
    """丢失."""
    refused = "refused"
    """拒收."""
    address_problem = "address_problem"
    """地址错误或不详."""
    locker_without_consent = "locker_without_consent"
    """未经同意投柜 (a seed-003 service-quality item)."""


EVENT_KEY: tuple[str, ...] = ("carrier", "waybill", "event", "node_id", "time")
"""The natural key: the same carrier, waybill, event, node and moment is the same scan, however
often it is sent. Ingest stores it once. The carrier is part of it because a waybill number is
unique within its carrier only: the parcel is ``(carrier, waybill)``, and one carrier's event
never stands for another's."""

SECURITY_FLAGS: tuple[str, ...] = ("real_name_verified", "inspected", "x_rayed")
"""The "three 100 %" (三个100%) recorded at acceptance: 实名收寄, 收寄验视, 过机安检."""

SCAN_EVENT_SCHEMA = pa.schema(
    [
        pa.field("waybill", pa.string(), nullable=False),
        pa.field("carrier", pa.string(), nullable=False),
        pa.field("event", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=True),
        pa.field("node_id", pa.string(), nullable=False),
        pa.field("time", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("next_node_id", pa.string(), nullable=True),
        pa.field("origin_region", pa.string(), nullable=False),
        pa.field("destination_region", pa.string(), nullable=False),
        pa.field("product", pa.string(), nullable=False),
        pa.field("real_name_verified", pa.bool_(), nullable=True),
        pa.field("inspected", pa.bool_(), nullable=True),
        pa.field("x_rayed", pa.bool_(), nullable=True),
    ]
)
"""The stored columns, in order. ``origin_region``/``destination_region`` are GB/T 2260 codes
(six digits; the first two name the province, the first four the city). ``product`` is the
carrier's service product (``standard`` when the source has none). The security flags are set on
``accept`` events; ``x_rayed`` may also be set on a hub's ``sort`` or ``arrive`` event (screening
at the hub); the flags are empty on every other event."""

PARTITION_COLUMNS: tuple[str, ...] = ("day", "carrier")
"""The event lake is partitioned by China-Standard-Time day, then carrier."""


def china_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in China Standard Time (``moment`` must be aware)."""
    if moment.tzinfo is None:
        raise ValueError("china_day needs a time with a time zone")
    return moment.astimezone(CHINA_STANDARD_TIME).date()


_MICROSECONDS_PER_DAY = 86_400 * 1_000_000
_CHINA_OFFSET_MICROSECONDS = 8 * 3_600 * 1_000_000


def china_days(times: pa.Array | pa.ChunkedArray) -> pa.Array:
    """:func:`china_day` for a whole ``time`` column (timestamps with a time zone, any unit):
    a ``date32`` array, computed with numpy rather than row by row."""
    if isinstance(times, pa.ChunkedArray):
        times = times.combine_chunks()
    if not pa.types.is_timestamp(times.type) or times.type.tz is None:
        raise ValueError("china_days needs timestamps with a time zone")
    micros = times.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    values = micros.to_numpy(zero_copy_only=False)
    days = (values + _CHINA_OFFSET_MICROSECONDS) // _MICROSECONDS_PER_DAY
    return pa.array(days.astype("int32"), type=pa.int32()).cast(pa.date32())
