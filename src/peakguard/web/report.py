"""The network report: one self-contained HTML page of summary cards, two maps and hub capacities.

Everything is inline (CSS and SVG): the file can be mailed, archived or printed as it is and
loads nothing at run time. This module prepares the cards and the hub table, the maps come from
:mod:`.network_maps`; the template ``web/templates/network_report.html`` only lays them out. The
Jinja environment, the language check and region names are the page kit's
(:mod:`.page_kit`), as for every report page.
"""

from __future__ import annotations

import pathlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import peakguard
from peakguard import i18n
from peakguard.domain.network import Network, Node, NodeKind, TransportMode
from peakguard.domain.regions import province_code
from peakguard.i18n import _
from peakguard.web.network_maps import MODE_LABELS, NetworkMaps
from peakguard.web.page_kit import (
    KIND_LABELS,
    Card,
    Places,
    home_province,
    html_lang,
    join_list,
    page_language,
    template_environment,
)

LOAD_RATIO_HIGHLIGHT = 0.6
"""Hubs whose normal-day load ratio is above this are highlighted: a display aid (local policy),
not an official figure."""


@dataclass(frozen=True)
class CardGroup:
    title: str
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class HubRow:
    node_id: str
    name: str
    carrier: str
    colour: str
    region: str
    daily_capacity: str
    peak_hourly_capacity: str
    storage_capacity: str
    staff: str
    vehicles: str
    floor_area: str
    automated: str
    volume: str
    load_ratio: str
    overloaded: bool


@dataclass(frozen=True)
class HubGroup:
    title: str
    rows: tuple[HubRow, ...]


def render_network_report(
    network: Network,
    *,
    language: str,
    place_names: Mapping[str, str] | None = None,
    province: str | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The report as one HTML page in ``language`` (``zh_CN`` or ``en``).

    ``place_names`` maps region codes to English names (used when ``language`` is English;
    a region without one keeps its Chinese name). ``province`` is the six-digit code of the
    province the maps centre on; by default the one with the most nodes.
    """
    language = page_language(language)
    home = province_code(province) if province else home_province(network)
    places = Places(network, language, place_names or {})
    page = _NetworkPage(network, language, home, places)
    moment = generated_at or datetime.now().astimezone()
    generated = _(
        "Generated {timestamp} by peakguard {version} from network {name}.",
        timestamp=moment.isoformat(sep=" ", timespec="minutes"),
        version=peakguard.__version__,
        name=network.name,
    )
    template = template_environment(language).get_template("network_report.html")
    return template.render(
        html_lang=html_lang(language),
        title=network.title or network.name,
        description=network.description,
        generated=i18n.render(generated, language),
        province_name=places.province(home),
        card_groups=page.card_groups(),
        carriers=page.carrier_legend,
        province_map=page.province_map(),
        national_map=page.national_map(),
        hub_groups=page.hub_groups(),
        threshold=page.formats.percent(LOAD_RATIO_HIGHLIGHT),
    )


def write_network_report(
    network: Network,
    path: pathlib.Path,
    *,
    language: str,
    place_names: Mapping[str, str] | None = None,
    province: str | None = None,
    generated_at: datetime | None = None,
) -> pathlib.Path:
    """Write :func:`render_network_report` to ``path`` (UTF-8) and return the path."""
    html = render_network_report(
        network,
        language=language,
        place_names=place_names,
        province=province,
        generated_at=generated_at,
    )
    path.write_text(html, encoding="utf-8")
    return path


class _NetworkPage(NetworkMaps):
    """The report's cards and hub table, on top of the maps, for one network and province."""

    # --- summary ---------------------------------------------------------------------------

    def card_groups(self) -> tuple[CardGroup, ...]:
        """The network's size, then its capacity and resources (all nodes, inside or not)."""
        return (
            CardGroup(self.text(_("Network")), self.size_cards()),
            CardGroup(self.text(_("Capacity and resources")), self.resource_cards()),
        )

    def size_cards(self) -> tuple[Card, ...]:
        """Nodes of each kind (and how many inside the province), lanes by mode, carriers."""
        network = self.network
        province = self.places.province(self.home)
        kinds = Counter(node.kind for node in network.nodes)
        inside_kinds = Counter(node.kind for node in self.inside)
        modes = Counter(lane.mode for lane in network.lanes)
        size = [
            Card(
                self.text(KIND_LABELS[kind]),
                self.number(kinds[kind]),
                self.text(
                    _(
                        "of which {count} in {province}",
                        count=self.number(inside_kinds[kind]),
                        province=province,
                    )
                ),
            )
            for kind in NodeKind
        ]
        by_mode = " · ".join(
            self.text(_("{mode}: {count}", mode=MODE_LABELS[mode], count=self.number(modes[mode])))
            for mode in TransportMode
        )
        size += [
            Card(self.text(_("Lanes")), self.number(len(network.lanes)), by_mode),
            Card(
                self.text(_("Carriers")),
                self.number(len(network.carriers)),
                join_list([entry.label for entry in self.carrier_legend], self.language),
            ),
        ]
        return tuple(size)

    def resource_cards(self) -> tuple[Card, ...]:
        nodes, hubs = self.network.nodes, self.hubs
        province = self.places.province(self.home)
        capacity = sum(hub.daily_sorting_capacity() for hub in hubs)
        inside_capacity = sum(hub.daily_sorting_capacity() for hub in hubs if self.is_inside(hub))
        automated = sum(1 for hub in hubs if hub.automated_sorter)
        volume = sum(node.daily_volume for node in nodes if node.kind is NodeKind.outlet)
        return (
            Card(
                self.text(_("Hub sorting capacity")),
                self.number(capacity),
                self.text(
                    _(
                        "parcels a day, of which {capacity} in {province}",
                        capacity=self.number(inside_capacity),
                        province=province,
                    )
                ),
            ),
            Card(
                self.text(_("Normal-day volume")),
                self.number(volume),
                self.text(_("parcels a day taken on at outlets")),
            ),
            Card(
                self.text(_("Storage capacity")),
                self.number(sum(node.storage_capacity for node in nodes)),
                self.text(_("parcels, all nodes")),
            ),
            Card(
                self.text(_("Staff")),
                self.number(sum(node.staff for node in nodes)),
                self.text(_("people, all nodes")),
            ),
            Card(
                self.text(_("Vehicles")),
                self.number(sum(node.vehicles for node in nodes)),
                self.text(_("all nodes")),
            ),
            Card(
                self.text(_("Floor area")),
                self.number(sum(node.floor_area_m2 for node in nodes)) + " m²",
                self.text(_("all nodes")),
            ),
            Card(
                self.text(_("Automated sorting")),
                self.formats.percent(automated / len(hubs)) if hubs else "–",
                self.text(
                    _(
                        "{automated} of {hubs} hubs have an automated sorter",
                        automated=self.number(automated),
                        hubs=self.number(len(hubs)),
                    )
                ),
            ),
        )

    # --- hub table -------------------------------------------------------------------------

    def hub_groups(self) -> tuple[HubGroup, ...]:
        def order(hub: Node) -> tuple[str, int, str]:
            return hub.region, self.carrier_order.get(hub.carrier, len(self.carrier_order)), hub.id

        province = self.places.province(self.home)
        inside = sorted((hub for hub in self.hubs if self.is_inside(hub)), key=order)
        outside = sorted((hub for hub in self.hubs if not self.is_inside(hub)), key=order)
        groups = [
            HubGroup(self.text(_("Hubs in {province}", province=province)), self.rows(inside)),
            HubGroup(
                self.text(_("Hubs outside {province}", province=province)), self.rows(outside)
            ),
        ]
        return tuple(group for group in groups if group.rows)

    def rows(self, hubs: Sequence[Node]) -> tuple[HubRow, ...]:
        rows = []
        for hub in hubs:
            capacity = hub.daily_sorting_capacity()
            ratio = hub.daily_volume / capacity
            rows.append(
                HubRow(
                    node_id=hub.id,
                    name=hub.name,
                    carrier=self.carrier_name(hub.carrier),
                    colour=self.colour(hub.carrier),
                    region=self.places.name(hub.region),
                    daily_capacity=self.number(capacity),
                    peak_hourly_capacity=self.number(hub.peak_sorting_capacity_per_hour()),
                    storage_capacity=self.number(hub.storage_capacity),
                    staff=self.number(hub.staff),
                    vehicles=self.number(hub.vehicles),
                    floor_area=self.number(hub.floor_area_m2),
                    automated=self.text(_("yes") if hub.automated_sorter else _("no")),
                    volume=self.number(hub.daily_volume),
                    load_ratio=self.formats.percent(ratio, decimals=1),
                    overloaded=ratio > LOAD_RATIO_HIGHLIGHT,
                )
            )
        return tuple(rows)
