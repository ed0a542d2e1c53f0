"""The closed area, its parts and what a backup centre sorts each part's mail to (seed 004).

A closed province is split by its prefecture-level divisions (and the county-level cities the
province administers itself, such as 济源); a closed prefecture by its counties; a closed
county or district by the carrier's delivery stations (揽投部) in it. A part's volume is the
carrier's normal day there: what its stations deliver (inbound, 进口) plus what its outlets take
on (outbound, 出口), the network file's ``daily_volume``. A region where the carrier has no
outlet or station has none of its mail and is not a part.

The sorting depth says how finely a backup sorts the part's inbound mail (分拣封发关系):
a closed province to the prefecture, its counties and its high-volume stations (分拣到地(市)、县
及量大的揽投部); a closed city or district to every station and, inside it, its segments and grids
(分拣到揽投部、网格或段道).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from peakguard.domain.geography import great_circle_km
from peakguard.domain.network import Network, Node, NodeKind
from peakguard.domain.regions import Region, RegionLevel, level_of, reference_regions
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _


class SortingDepth(StrEnum):
    prefecture_county = "prefecture_county"
    """分拣到地(市)、县及量大的揽投部: the default when a province is closed."""
    station_segment = "station_segment"
    """分拣到揽投部、网格或段道: the default when a city or a district is closed."""


class PartKind(StrEnum):
    prefecture = "prefecture"
    county = "county"
    station = "station"


class TargetKind(StrEnum):
    prefecture = "prefecture"
    county = "county"
    station = "station"
    station_segments = "station_segments"
    """A station's segments and grids (段道/网格): bags sorted per segment, dropped at the
    station for direct delivery (直封直运, 甩点投递)."""


@dataclass(frozen=True)
class ClosedArea:
    """The region closed, its level and the network's nodes of the carrier inside it."""

    code: str
    name: str
    level: RegionLevel
    carrier: str
    hubs: tuple[str, ...]
    """The carrier's hubs inside: closed, their sorting moves to the backup centres."""


@dataclass(frozen=True)
class SortTarget:
    """A destination a backup centre sorts the part's inbound mail to."""

    kind: TargetKind
    code: str
    """A region code, or a station's node id."""
    name: str
    parcels: int
    """Inbound parcels a normal day."""


@dataclass(frozen=True)
class Part:
    code: str
    """A region code, or a station's node id (a closed district's parts)."""
    name: str
    kind: PartKind
    longitude: float
    latitude: float
    inbound: int
    """Parcels a normal day its stations deliver."""
    outbound: int
    """Parcels a normal day its outlets take on."""
    stations: tuple[str, ...]
    outlets: tuple[str, ...]
    targets: tuple[SortTarget, ...]

    @property
    def parcels(self) -> int:
        return self.inbound + self.outbound


def region_prefix(code: str) -> str:
    """The code prefix every region inside ``code`` shares (``410000`` → ``41``)."""
    level = level_of(code)
    if level is RegionLevel.province:
        return code[:2]
    if level is RegionLevel.prefecture:
        return code[:4]
    return code


def inside(region: str, code: str) -> bool:
    """Whether the region ``code`` lies in the region ``region``."""
    return code.startswith(region_prefix(region))


def known_regions(network: Network) -> dict[str, Region]:
    """The reference table with the network's own declared regions over it."""
    regions = dict(reference_regions())
    for record in network.regions:
        base = regions.get(record.code)
        longitude = record.longitude if record.longitude is not None else None
        latitude = record.latitude if record.latitude is not None else None
        if base is not None and (longitude is None or latitude is None):
            longitude, latitude = base.longitude, base.latitude
        regions[record.code] = Region(
            record.code, record.name, level_of(record.code), longitude, latitude
        )
    return regions


def closed_area(network: Network, region: str, carrier: str | None) -> ClosedArea:
    """The closed region checked against the network: a known region with nodes of the
    carrier, and the carrier (the network's only one when not given)."""
    problems: list[Problem] = []
    regions = known_regions(network)
    found = regions.get(region)
    if found is None:
        problems.append(Problem("region", _("unknown region code {code}", code=region)))
    carriers = [item.code for item in network.carriers]
    if carrier is None and len(carriers) == 1:
        carrier = carriers[0]
    if carrier is None:
        problems.append(
            Problem(
                "carrier",
                _(
                    "the network has several carriers ({carriers}): name the one to plan for",
                    carriers=", ".join(carriers),
                ),
            )
        )
    elif carrier not in carriers:
        problems.append(Problem("carrier", _("unknown carrier {carrier}", carrier=carrier)))
    if problems or found is None or carrier is None:
        raise InvalidInputError(_("The coverage plan cannot be made."), problems)
    mine = [n for n in network.nodes if n.carrier == carrier and inside(region, n.region)]
    if not any(n.kind is NodeKind.station for n in mine):
        raise InvalidInputError(
            _("The coverage plan cannot be made."),
            [
                Problem(
                    "region",
                    _(
                        "carrier {carrier} has no delivery station in {region}: nothing to cover",
                        carrier=carrier,
                        region=found.name,
                    ),
                )
            ],
        )
    hubs = tuple(n.id for n in mine if n.kind is NodeKind.hub)
    return ClosedArea(region, found.name, found.level, carrier, hubs)


def default_depth(area: ClosedArea) -> SortingDepth:
    """Seed 004: a province to prefectures and counties, a city or district to stations."""
    if area.level is RegionLevel.province:
        return SortingDepth.prefecture_county
    return SortingDepth.station_segment


def area_parts(
    network: Network, area: ClosedArea, depth: SortingDepth, high_volume_station: int
) -> tuple[Part, ...]:
    """The closed area's parts with their normal-day volumes and sort targets."""
    regions = known_regions(network)
    nodes = [
        n
        for n in network.nodes
        if n.carrier == area.carrier and inside(area.code, n.region) and n.kind is not NodeKind.hub
    ]
    parts: list[Part] = []
    if area.level is RegionLevel.county:
        stations = [n for n in nodes if n.kind is NodeKind.station]
        nearest = _nearest_station(stations, [n for n in nodes if n.kind is NodeKind.outlet])
        for station in stations:
            outlets = nearest.get(station.id, [])
            parts.append(
                Part(
                    station.id,
                    station.name,
                    PartKind.station,
                    station.longitude,
                    station.latitude,
                    station.daily_volume,
                    sum(n.daily_volume for n in outlets),
                    (station.id,),
                    tuple(n.id for n in outlets),
                    _targets(regions, [station], station.id, depth, high_volume_station),
                )
            )
        return tuple(parts)
    for region in _sub_regions(regions, area):
        mine = [n for n in nodes if inside(region.code, n.region)]
        if not mine:
            continue  # no mail of the carrier there: nothing to sort to it
        stations = [n for n in mine if n.kind is NodeKind.station]
        outlets = [n for n in mine if n.kind is NodeKind.outlet]
        longitude, latitude = _centre(region, mine)
        parts.append(
            Part(
                region.code,
                region.name,
                PartKind(region.level.value),
                longitude,
                latitude,
                sum(n.daily_volume for n in stations),
                sum(n.daily_volume for n in outlets),
                tuple(n.id for n in stations),
                tuple(n.id for n in outlets),
                _targets(regions, stations, region.code, depth, high_volume_station),
            )
        )
    return tuple(parts)


def _nearest_station(stations: list[Node], outlets: list[Node]) -> dict[str, list[Node]]:
    """A closed district's outlets, each with the station nearest to it (its part)."""
    by_station: dict[str, list[Node]] = {}
    for outlet in outlets:
        station = min(
            stations,
            key=lambda n: great_circle_km(
                n.longitude, n.latitude, outlet.longitude, outlet.latitude
            ),
        )
        by_station.setdefault(station.id, []).append(outlet)
    return by_station


def _sub_regions(regions: dict[str, Region], area: ClosedArea) -> list[Region]:
    """A province's prefectures (and the counties it administers itself, 省直辖县级), a
    prefecture's counties; regions without a location (市辖区 placeholders) left out."""
    found: list[Region] = []
    for code, region in sorted(regions.items()):
        if code == area.code or not inside(area.code, code) or region.longitude is None:
            continue
        if area.level is RegionLevel.province:
            direct = region.level is RegionLevel.county and code[2:4] == "90"
            if region.level is RegionLevel.prefecture or direct:
                found.append(region)
        elif region.level is RegionLevel.county:
            found.append(region)
    return found


def _centre(region: Region, nodes: list[Node]) -> tuple[float, float]:
    if region.longitude is not None and region.latitude is not None:
        return region.longitude, region.latitude
    return nodes[0].longitude, nodes[0].latitude  # pragma: no cover - located regions only


def _targets(
    regions: dict[str, Region],
    stations: list[Node],
    code: str,
    depth: SortingDepth,
    high_volume_station: int,
) -> tuple[SortTarget, ...]:
    if depth is SortingDepth.station_segment:
        return tuple(
            SortTarget(TargetKind.station_segments, n.id, n.name, n.daily_volume) for n in stations
        )
    region = regions.get(code)
    targets: list[SortTarget] = []
    if region is not None and region.level is RegionLevel.prefecture:
        targets.append(
            SortTarget(
                TargetKind.prefecture,
                code,
                region.name,
                sum(n.daily_volume for n in stations),
            )
        )
    counties: dict[str, int] = {}
    for station in stations:
        county = station.region if level_of(station.region) is RegionLevel.county else None
        if county is not None:
            counties[county] = counties.get(county, 0) + station.daily_volume
    for county, parcels in sorted(counties.items()):
        name = regions[county].name if county in regions else county
        targets.append(SortTarget(TargetKind.county, county, name, parcels))
    targets += [
        SortTarget(TargetKind.station, n.id, n.name, n.daily_volume)
        for n in stations
        if n.daily_volume >= high_volume_station
    ]
    return tuple(targets)


def depth_label(depth: SortingDepth) -> Message:
    labels = {
        SortingDepth.prefecture_county: _(
            "to the prefecture, its counties and its high-volume stations"
        ),
        SortingDepth.station_segment: _("to every station and its segments and grids"),
    }
    return labels[depth]
