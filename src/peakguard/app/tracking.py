"""Tracking a parcel by its waybill (查询), as a carrier's tracking page does: its status, the
notice of a controlled area its destination lies in, and its estimated arrival.

Who may: anyone who holds the waybill number, anonymous callers included — a waybill number
is what a recipient holds, and the lake's scans carry no personal data (no name, phone or
address; the waybill is not personal data, docs/reference/scan-events.md). The public sees
the status, the notice and the estimate only; a carrier (its brand) or a regulator (parcels
from or to its territory) sees the scans with their nodes as well."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from peakguard.app.access import reach
from peakguard.app.controlled_areas import controlled_areas_in
from peakguard.app.kept import kept, lake_signature
from peakguard.app.notices import control_notices
from peakguard.cases.controlled import ControlledArea, code_prefix
from peakguard.domain.scans import EventType
from peakguard.errors import InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _
from peakguard.identity.model import Principal
from peakguard.notices.eta import Estimate, EtaSettings, Measured, estimate_arrival
from peakguard.notices.eta_scans import measure_scans
from peakguard.notices.tracking import (
    Parcel,
    PublishedNotice,
    Scan,
    TrackingNotice,
    tracking_notice,
)
from peakguard.store import notices as stored
from peakguard.store.database import Store, transaction
from peakguard.store.event_files import event_paths
from peakguard.store.event_lake import event_dataset

_MEASURED: OrderedDict[Any, Measured] = OrderedDict()
MEASURED_KEPT = 8
"""The measured times kept: by the lake's signature, the minute and the settings. Every
tracking reads the week's delivered parcels (seconds on a season's lake); the public asking
for parcels within one minute, with no new events, share one measurement — as of the minute's
start (a delivery scanned within that minute counts from the next)."""
MEASURING_SLACK = timedelta(days=7)
"""How long before the look-back a measured parcel's first scans may lie."""


@dataclass(frozen=True)
class TrackingView:
    """A parcel's tracking as its reader may see it (``scans`` empty for the public)."""

    waybill: str
    carrier: str
    status: str
    last_scan_at: datetime
    finished: bool
    destination_region: str
    notice: TrackingNotice | None
    estimate: Estimate
    scans: tuple[Scan, ...] = ()
    detailed: bool = False


@dataclass(frozen=True)
class NetworkState:
    """What tracking reads once for many parcels: the controls, the published notices and
    the measured times of recent parcels."""

    areas: list[ControlledArea]
    notices: list[PublishedNotice]
    measured: Measured
    now: datetime
    settings: EtaSettings


def network_state(
    store: Store, lake: Path, *, now: datetime, settings: EtaSettings | None = None
) -> NetworkState:
    """The controls in force, the published notices, and the lake's recent measured times."""
    chosen = settings or EtaSettings()
    with transaction(store.sessions) as session:
        areas = controlled_areas_in(session)
    minute = now.replace(second=0, microsecond=0)
    measured = kept(
        _MEASURED,
        (lake_signature(lake), minute, chosen),
        MEASURED_KEPT,
        lambda: _measured(lake, minute, chosen),
    )
    return NetworkState(areas, control_notices(store), measured, now, chosen)


def _measured(lake: Path, now: datetime, chosen: EtaSettings) -> Measured:
    """The measured times of the parcels delivered in the look-back before ``now``."""
    since = (now - chosen.lookback - MEASURING_SLACK).date()
    days = _days(since, now.date())
    # Only a parcel delivered in the look-back can be measured: read those parcels' events
    # (a few per cent of the days'), not every event of the days.
    delivered = _delivered_on(lake, _days((now - chosen.lookback).date(), now.date()))
    return measure_scans(stored.lake_scans(lake, delivered, days=days), now, chosen)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 2)]


def _delivered_on(lake: Path, days: Sequence[date]) -> list[str]:
    """The waybill numbers with a delivery scan on ``days`` (China Standard Time), retracted
    ones included: a superset of the parcels :func:`measure` can use, read column by column."""
    if not event_paths(lake):
        return []
    wanted = (ds.field("event") == EventType.deliver.value) & ds.field("day").isin(
        pa.array(days, pa.date32())
    )
    table = event_dataset(lake).to_table(columns=["waybill"], filter=wanted)
    return [str(number) for number in pc.unique(table.column("waybill")).to_pylist()]


def _sees_scans(actor: Principal, parcel: Parcel) -> bool:
    scope = reach(actor)
    return scope.covers(parcel.carrier, parcel.destination_region) or scope.covers(
        parcel.carrier, parcel.origin_region
    )


def tracking_of(actor: Principal, parcel: Parcel, state: NetworkState) -> TrackingView:
    """The tracking of ``parcel`` for ``actor`` against the network's ``state``."""
    notice = tracking_notice(parcel, state.areas, state.notices, state.now)
    control = notice.area if notice is not None else None
    estimate = estimate_arrival(parcel, state.measured, state.now, control, state.settings)
    detailed = _sees_scans(actor, parcel)
    return TrackingView(
        parcel.waybill,
        parcel.carrier,
        parcel.status,
        parcel.last_time,
        parcel.finished,
        parcel.destination_region,
        notice,
        estimate,
        parcel.scans if detailed else (),
        detailed,
    )


def track_parcel(
    store: Store,
    actor: Principal,
    lake: Path,
    waybill: str,
    *,
    now: datetime,
    carrier: str | None = None,
    settings: EtaSettings | None = None,
) -> TrackingView:
    """The tracking of the parcel ``waybill`` (of ``carrier`` when two brands share the
    number); open to all (module docstring)."""
    number = waybill.strip()
    found = stored.lake_parcels(lake, waybills=[number]).by_waybill(number)
    if carrier is not None:
        found = [parcel for parcel in found if parcel.carrier == carrier.strip().upper()]
    if not found:
        raise NotFoundError(_("No parcel has the waybill number {waybill}.", waybill=number))
    if len(found) > 1:
        brands = ", ".join(sorted(parcel.carrier for parcel in found))
        raise InvalidInputError(
            _("Several carriers use this waybill number."),
            [Problem("carrier", _("Name the carrier: one of {brands}.", brands=brands))],
        )
    state = network_state(store, lake, now=now, settings=settings)
    return tracking_of(actor, found[0], state)


def parcels_bound_for(
    store: Store,
    actor: Principal,
    lake: Path,
    region: str,
    *,
    now: datetime,
    settings: EtaSettings | None = None,
) -> list[TrackingView]:
    """The tracking of every parcel bound for ``region`` (and under it) whose journey a
    control or published notice concerns, in waybill order — what a task force checks
    before it sends the arrival messages. A carrier sees its own brand's parcels."""
    state = network_state(store, lake, now=now, settings=settings)
    prefix = code_prefix(region)
    scope = reach(actor)
    views = []
    for parcel in _all_parcels(lake):
        if not parcel.destination_region.startswith(prefix):
            continue
        if scope.carrier is not None and parcel.carrier != scope.carrier:
            continue
        view = tracking_of(actor, parcel, state)
        if view.notice is not None:
            views.append(view)
    return sorted(views, key=lambda view: (view.waybill, view.carrier))


def _all_parcels(lake: Path) -> Iterable[Parcel]:
    return stored.lake_parcels(lake).parcels.values()


def track_many(
    store: Store,
    actor: Principal,
    lake: Path,
    waybills: Sequence[str],
    *,
    now: datetime,
    settings: EtaSettings | None = None,
) -> dict[str, list[TrackingView]]:
    """The tracking of each waybill (every brand's parcel with that number), reading the
    network's state once."""
    state = network_state(store, lake, now=now, settings=settings)
    by_number: dict[str, list[Parcel]] = defaultdict(list)
    for (_carrier, number), parcel in stored.lake_parcels(lake, waybills=waybills).parcels.items():
        by_number[number].append(parcel)  # one pass, not one scan of all parcels per waybill
    return {
        number: [tracking_of(actor, parcel, state) for parcel in by_number.get(number, [])]
        for number in waybills
    }
