"""A parcel's tracking (查询): its scans in order, and the notice of the controlled area its
destination lies in (seed 004: 在軌跡信息上增加疫情管控情況的信息公告).

When does a control concern a parcel? When its destination is controlled at some moment of
its journey still to be served: at one of its scans, when the control began between its first
scan and its delivery, or — while it is not yet delivered or returned — at the moment it is
tracked. A parcel delivered before the control began carries no notice; one accepted after it
ended carries none either; one still on its way while the control holds carries it, whenever
its last scan was."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from peakguard.cases.controlled import ControlledArea, code_prefix, controlling
from peakguard.domain.scans import EventType
from peakguard.notices.wording import Language, load_wording, moment_text, place_of

FINISHING = frozenset({EventType.deliver.value, EventType.returned.value})
"""The events after which a parcel's journey is over."""


@dataclass(frozen=True)
class Scan:
    """One scan of the parcel, as the lake holds it."""

    event: str
    node_id: str
    time: datetime
    next_node_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Parcel:
    """A parcel (``carrier``, ``waybill``): where from and to, and its scans in time order."""

    waybill: str
    carrier: str
    origin_region: str
    destination_region: str
    scans: tuple[Scan, ...]

    @property
    def status(self) -> str:
        """The last scan's event (``accept`` … ``deliver``)."""
        return self.scans[-1].event

    @property
    def finished(self) -> bool:
        """Delivered or returned: its journey is over."""
        return any(scan.event in FINISHING for scan in self.scans)

    @property
    def last_time(self) -> datetime:
        return self.scans[-1].time

    @property
    def delivered_at(self) -> datetime | None:
        return next((s.time for s in self.scans if s.event == EventType.deliver.value), None)


def parcel_of(
    waybill: str, carrier: str, origin: str, destination: str, scans: Iterable[Scan]
) -> Parcel:
    """The parcel with its scans sorted by time (ties keep their given order)."""
    ordered = tuple(sorted(scans, key=lambda scan: scan.time))
    return Parcel(waybill, carrier, origin, destination, ordered)


@dataclass(frozen=True)
class PublishedNotice:
    """A controlled-area notice a regulator (``carrier`` None: every carrier's parcels) or a
    carrier (its own parcels) published for ``region`` from ``start`` to ``end``."""

    reference: str
    region: str
    start: datetime
    end: datetime
    text_zh: str
    text_en: str
    carrier: str | None = None

    def concerns(self, parcel: Parcel) -> bool:
        brand = self.carrier is None or self.carrier == parcel.carrier
        return brand and parcel.destination_region.startswith(code_prefix(self.region))

    def area(self) -> ControlledArea:
        return ControlledArea(self.region, self.start, self.end, self.reference)


@dataclass(frozen=True)
class TrackingNotice:
    """The notice shown on a parcel's tracking: the area, and its text in both languages,
    from the notice published for it (``reference``) or else the standard tracking script."""

    area: ControlledArea
    text_zh: str
    text_en: str
    reference: str | None = None

    def text(self, language: str) -> str:
        return self.text_en if language.lower().startswith("en") else self.text_zh


def control_for(
    parcel: Parcel, areas: Sequence[ControlledArea], now: datetime
) -> ControlledArea | None:
    """The area that controls the parcel's destination during its journey (module docstring),
    the earliest such moment first; ``None`` when no control concerns it."""
    if not parcel.scans:
        return None
    first = parcel.scans[0].time
    end = parcel.last_time if parcel.finished else max(now, parcel.last_time)
    moments = {scan.time for scan in parcel.scans}
    if not parcel.finished:
        moments.add(end)
    moments.update(area.start for area in areas if first <= area.start <= end)
    for moment in sorted(moments):
        found = controlling(areas, parcel.destination_region, moment)
        if found is not None:
            return found
    return None


def tracking_notice(
    parcel: Parcel,
    areas: Sequence[ControlledArea],
    published: Sequence[PublishedNotice],
    now: datetime,
    scripts: dict[str, dict[Language, str]] | None = None,
) -> TrackingNotice | None:
    """The notice the parcel's tracking carries, if a control concerns it: the published
    notices that concern the parcel count as controls too, and the first of them covering the
    area gives the text; without one, the standard tracking script filled from the area."""
    own = [notice for notice in published if notice.concerns(parcel)]
    area = control_for(parcel, [*areas, *(notice.area() for notice in own)], now)
    if area is None:
        return None
    for notice in own:
        overlaps = notice.start < area.end and area.start < notice.end
        nested = area.region.startswith(code_prefix(notice.region)) or notice.region.startswith(
            code_prefix(area.region)
        )
        if overlaps and nested:
            return TrackingNotice(area, notice.text_zh, notice.text_en, notice.reference)
    chosen = scripts or load_wording()
    texts = {
        lang: chosen["tracking"][lang].format(
            place=place_of(area.region, lang), end=moment_text(area.end, lang)
        )
        for lang in ("zh", "en")
    }
    return TrackingNotice(area, texts["zh"], texts["en"])
