"""The express network: carriers, regions, nodes, lanes, service standards and routing overrides.

These pydantic models are the domain objects and the schema of the network file
(docs/reference/network-format.md). Field checks live here; checks across records
(unknown codes, duplicate identifiers, overlapping shifts) live in :mod:`.network_checks`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from peakguard.domain.regions import PairClass
from peakguard.domain.text import hidden_character, mixed_scripts, normalise
from peakguard.i18n import _, invalid

PARCELS_MAX = 10**9
"""A count of parcels no node or lane reaches (more than China's parcels of a peak day)."""
PEOPLE_MAX = 10**6
"""Staff or vehicles of one node."""
AREA_MAX_M2 = 10**7
"""Ten square kilometres: larger than any sorting centre."""
DISTANCE_MAX_KM = 50_000
"""Longer than any lane on the earth's surface, by road or by air."""
DESCRIPTION_MAX = 20_000


def _plain_text(value: object, *, lines: bool = False) -> object:
    """Typed text in its NFKC form, refused when it hides a character or mixes alphabets
    (``ＺＴＯ`` is ``ZTO``; ``ZT\u041e`` with a Cyrillic О is refused, naming it)."""
    if not isinstance(value, str):
        return value
    text = normalise(value.replace("\r\n", "\n")) if lines else normalise(value)
    hidden = hidden_character(text.replace("\n", "") if lines else text, allow_tab=lines)
    if hidden is not None:
        raise invalid(
            _("contains {character}, which a reader cannot see: remove it", character=hidden)
        )
    if not lines:
        scripts = mixed_scripts(text)
        if scripts is not None:
            first, second = scripts
            raise invalid(
                _(
                    "mixes {first} and {second} letters that look alike: write it in one alphabet",
                    first=_ALPHABETS.get(first, first.title()),
                    second=_ALPHABETS.get(second, second.title()),
                )
            )
    return text


_ALPHABETS = {
    "LATIN": _("Latin"),
    "CYRILLIC": _("Cyrillic"),
    "GREEK": _("Greek"),
    "ARMENIAN": _("Armenian"),
    "COPTIC": _("Coptic"),
}
"""The confusable alphabets of :func:`peakguard.domain.text.mixed_scripts`, by name."""


def _text_lines(value: object) -> object:
    return _plain_text(value, lines=True)


def _not_truth_value(value: object) -> object:
    """``true`` is not 1 parcel: a number field takes numbers (and their text), not yes/no."""
    if isinstance(value, bool):
        raise invalid(_("must be a number, not {value!r}", value=value))
    return value


_NOT_TRUTH = BeforeValidator(_not_truth_value)


Identifier = Annotated[
    str,
    BeforeValidator(_plain_text),
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:>\-]*$",
    ),
]
RegionCode = Annotated[
    str,
    BeforeValidator(_plain_text),
    StringConstraints(strip_whitespace=True, pattern=r"^[1-8][0-9]{5}$"),
]
ClockTime = Annotated[
    str,
    BeforeValidator(_plain_text),
    StringConstraints(strip_whitespace=True, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
]
Name = Annotated[
    str,
    BeforeValidator(_plain_text),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
]
Description = Annotated[
    str, BeforeValidator(_text_lines), StringConstraints(max_length=DESCRIPTION_MAX)
]
Longitude = Annotated[float, _NOT_TRUTH, Field(ge=-180, le=180)]
Latitude = Annotated[float, _NOT_TRUTH, Field(ge=-90, le=90)]
Parcels = Annotated[int, _NOT_TRUTH, Field(gt=0, le=PARCELS_MAX)]


class NodeKind(StrEnum):
    hub = "hub"
    outlet = "outlet"
    station = "station"
    consolidation_point = "consolidation_point"


class TransportMode(StrEnum):
    road = "road"
    air = "air"
    rail = "rail"


class _Record(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False
    )


class Carrier(_Record):
    """An express brand (China Post/EMS, SF, ZTO, ...)."""

    code: Identifier
    name: Name
    name_en: Name | None = None


class RegionRecord(_Record):
    """A region the file declares itself (otherwise codes resolve against GB/T 2260)."""

    code: RegionCode
    name: Name
    longitude: Longitude | None = None
    latitude: Latitude | None = None


class Shift(_Record):
    """Sorting capacity for the hours [start_hour, end_hour); wraps past midnight if end < start."""

    name: Name
    start_hour: Annotated[int, _NOT_TRUTH, Field(ge=0, le=23)]
    end_hour: Annotated[int, _NOT_TRUTH, Field(ge=0, le=24)]
    sorting_capacity_per_hour: Parcels

    def hours(self) -> tuple[int, ...]:
        """The hours of the day (0–23) this shift covers."""
        end = self.end_hour if self.end_hour > self.start_hour else self.end_hour + 24
        return tuple(hour % 24 for hour in range(self.start_hour, end))


class Node(_Record):
    """A hub, outlet, station or consolidation point of one carrier."""

    id: Identifier
    name: Name
    kind: NodeKind
    region: RegionCode
    carrier: Identifier
    shifts: Annotated[list[Shift], Field(min_length=1, max_length=48)]
    storage_capacity: Parcels
    staff: Annotated[int, _NOT_TRUTH, Field(ge=0, le=PEOPLE_MAX)]
    vehicles: Annotated[int, _NOT_TRUTH, Field(ge=0, le=PEOPLE_MAX)]
    floor_area_m2: Annotated[float, _NOT_TRUTH, Field(ge=0, le=AREA_MAX_M2)]
    automated_sorter: bool = False
    longitude: Longitude
    latitude: Latitude
    daily_volume: Annotated[int, _NOT_TRUTH, Field(ge=0, le=PARCELS_MAX)] = 0

    def sorting_capacity_by_hour(self) -> tuple[int, ...]:
        """Parcels per hour the node can sort in each hour of the day (0 outside its shifts)."""
        capacity = [0] * 24
        for shift in self.shifts:
            for hour in shift.hours():
                capacity[hour] += shift.sorting_capacity_per_hour
        return tuple(capacity)

    def daily_sorting_capacity(self) -> int:
        return sum(self.sorting_capacity_by_hour())

    def peak_sorting_capacity_per_hour(self) -> int:
        return max(self.sorting_capacity_by_hour())


class Lane(_Record):
    """A scheduled transport link from one node to another (干线 / 邮路)."""

    id: Identifier
    origin: Identifier
    destination: Identifier
    mode: TransportMode
    transit_hours: Annotated[float, _NOT_TRUTH, Field(gt=0, le=240)]
    departure_times: Annotated[list[ClockTime], Field(min_length=1, max_length=1440)]
    capacity_per_departure: Parcels
    distance_km: Annotated[float, _NOT_TRUTH, Field(gt=0, le=DISTANCE_MAX_KM)] | None = None

    def daily_capacity(self) -> int:
        return self.capacity_per_departure * len(self.departure_times)


class ServiceStandard(_Record):
    """The time limit promised for one class of origin–destination pair (optionally per carrier)."""

    pair_class: PairClass
    time_limit_hours: Annotated[float, _NOT_TRUTH, Field(gt=0, le=720)]
    carrier: Identifier | None = None


class RoutingOverride(_Record):
    """经转关系 set by hand: at ``node``, parcels for ``destination`` go next to ``next_node``."""

    node: Identifier
    destination: Identifier
    next_node: Identifier


DEFAULT_SERVICE_STANDARDS: tuple[ServiceStandard, ...] = (
    ServiceStandard(pair_class=PairClass.same_city, time_limit_hours=24),
    ServiceStandard(pair_class=PairClass.same_province, time_limit_hours=48),
    ServiceStandard(pair_class=PairClass.other_province, time_limit_hours=72),
)
"""Defaults when a file gives none: local policy, not official figures (see the format docs)."""


class Network(_Record):
    """A whole express network as one validated, immutable value."""

    name: Identifier
    title: Name | None = None
    description: Description = ""
    carriers: list[Carrier]
    regions: list[RegionRecord] = Field(default_factory=list)
    nodes: Annotated[list[Node], Field(min_length=1)]
    lanes: list[Lane] = Field(default_factory=list)
    service_standards: list[ServiceStandard] = Field(
        default_factory=lambda: list(DEFAULT_SERVICE_STANDARDS)
    )
    routing_overrides: list[RoutingOverride] = Field(default_factory=list)

    def node_index(self) -> dict[str, Node]:
        return {node.id: node for node in self.nodes}

    def carrier_index(self) -> dict[str, Carrier]:
        return {carrier.code: carrier for carrier in self.carriers}

    def time_limit_hours(self, pair_class: PairClass, carrier: str | None = None) -> float:
        """The carrier's own standard for the class if it has one, else the general one."""
        general: float | None = None
        for standard in self.service_standards:
            if standard.pair_class is not pair_class:
                continue
            if standard.carrier == carrier and carrier is not None:
                return standard.time_limit_hours
            if standard.carrier is None:
                general = standard.time_limit_hours
        if general is None:
            raise KeyError(pair_class)
        return general
