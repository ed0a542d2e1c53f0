"""Demand from the network's normal-day figures, scaled by the scenario's multipliers.

Each outlet's ``daily_volume`` is split between its carrier's stations (in proportion to their
``daily_volume``) and, for ``outbound_share`` of it, its carrier's hubs outside the home
province (the gateways). Each station also receives ``inbound_share`` of its ``daily_volume``
from its carrier's gateways. Outlets take parcels on in the scenario's pickup rounds; gateways
hand inbound parcels over in its inbound hours.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from peakguard.domain.network import Network, NodeKind
from peakguard.domain.regions import province_code
from peakguard.simulate.plan import Demand, FloatArray, IntArray
from peakguard.simulate.scenario import Scenario


def home_province(network: Network) -> str:
    """The province most of the network's nodes are in."""
    return Counter(province_code(node.region) for node in network.nodes).most_common(1)[0][0]


class NormalDayFlows(NamedTuple):
    """Parcels on a normal day from each origin to each destination (node positions)."""

    origin: IntArray
    destination: IntArray
    parcels: FloatArray
    inbound: npt.NDArray[np.bool_]
    """Handed over at a gateway from outside the home province (not taken on at an outlet)."""


def normal_day_flows(network: Network, scenario: Scenario) -> NormalDayFlows:
    """(origin, destination, parcels, is_inbound) on a normal day: for each carrier, each
    outlet's flows to its stations then its gateways, outlet by outlet; then each station's
    inbound flows from its gateways."""
    settings = scenario.demand
    home = home_province(network)
    parts: list[NormalDayFlows] = []
    indexed = list(enumerate(network.nodes))
    for carrier in network.carriers:
        own = [(index, node) for index, node in indexed if node.carrier == carrier.code]
        outlets = [(index, node) for index, node in own if node.kind is NodeKind.outlet]
        stations = [(index, node) for index, node in own if node.kind is NodeKind.station]
        gateways = [
            index
            for index, node in own
            if node.kind is NodeKind.hub and province_code(node.region) != home
        ]
        if not stations and not gateways:
            continue
        station_at = np.array([index for index, _ in stations], dtype=np.int64)
        gateway_at = np.array(gateways, dtype=np.int64)
        weights = np.array([max(node.daily_volume, 0) for _, node in stations], dtype=float)
        if stations and weights.sum() <= 0:
            weights = np.ones(len(stations))
        shares = weights / weights.sum() if stations else weights
        outbound = settings.outbound_share if gateways else 0.0
        if not stations:
            outbound = 1.0
        volume = np.array([float(node.daily_volume) for _, node in outlets], dtype=float)
        sending = volume > 0
        outlet_at = np.array([index for index, _ in outlets], dtype=np.int64)[sending]
        volume = volume[sending]
        # The same products, in the same order, as outlet by outlet: bit for bit.
        to_stations = (volume * (1 - outbound))[:, None] * shares[None, :]
        to_gateways = np.repeat(
            ((volume * outbound) / max(len(gateways), 1))[:, None], len(gateways), axis=1
        )
        targets = np.concatenate([station_at, gateway_at])
        parts.append(
            NormalDayFlows(
                np.repeat(outlet_at, len(targets)),
                np.tile(targets, len(outlet_at)),
                np.concatenate([to_stations, to_gateways], axis=1).ravel(),
                np.zeros(len(outlet_at) * len(targets), dtype=bool),
            )
        )
        if gateways and settings.inbound_share > 0:
            received = np.array([float(node.daily_volume) for _, node in stations], dtype=float)
            each = (received * settings.inbound_share) / len(gateways)
            parts.append(
                NormalDayFlows(
                    np.tile(gateway_at, len(station_at)),
                    np.repeat(station_at, len(gateway_at)),
                    np.repeat(each, len(gateway_at)),
                    np.ones(len(station_at) * len(gateway_at), dtype=bool),
                )
            )
    return NormalDayFlows(
        np.concatenate([np.zeros(0, dtype=np.int64), *(part.origin for part in parts)]),
        np.concatenate([np.zeros(0, dtype=np.int64), *(part.destination for part in parts)]),
        np.concatenate([np.zeros(0), *(part.parcels for part in parts)]),
        np.concatenate([np.zeros(0, dtype=bool), *(part.inbound for part in parts)]),
    )


def build_demand(network: Network, scenario: Scenario) -> Demand:
    """Hourly demand over the scenario's days (none in the drain days)."""
    return demand_from_flows(network, scenario, normal_day_flows(network, scenario))


def demand_from_flows(network: Network, scenario: Scenario, flows: NormalDayFlows) -> Demand:
    """Hourly demand over the scenario's days from its normal-day ``flows``."""
    origin, destination, daily, inbound = flows
    node_carrier = np.array([node.carrier for node in network.nodes], dtype=object)
    node_region = np.array([node.region for node in network.nodes], dtype=str)
    pickup = np.array(scenario.demand.pickup_hours, dtype=np.int64)
    handover = np.array(scenario.demand.inbound_hours, dtype=np.int64)
    parts: list[tuple[IntArray, IntArray, IntArray, FloatArray]] = []
    masks: dict[tuple[str | None, str | None], npt.NDArray[np.bool_]] = {}

    def matching(carrier: str | None, prefix: str | None) -> npt.NDArray[np.bool_]:
        # One vectorised mask per (carrier, region prefix), shared by every day's rules: a
        # forecast-driven scenario has a rule per carrier, city and day.
        key = (carrier, prefix)
        if key not in masks:
            match = np.ones(len(network.nodes), dtype=bool)
            if carrier is not None:
                match &= node_carrier == carrier
            if prefix is not None:
                match &= np.char.startswith(node_region, prefix)
            masks[key] = match[origin]
        return masks[key]

    for day in range(scenario.warm_up_days + scenario.days):
        today = scenario.start.date() + timedelta(days=day)
        factor = np.ones(len(daily))
        for rule in scenario.volume_multipliers:
            last = rule.last_day or rule.first_day
            if not rule.first_day <= today <= last:
                continue
            factor[matching(rule.carrier, rule.origin_region)] *= rule.multiplier
        volume = daily * factor
        for hours, chosen in ((pickup, ~inbound), (handover, inbound)):
            if not chosen.any():
                continue
            share = volume[chosen] / len(hours)
            sent, received = origin[chosen], destination[chosen]
            for hour in hours.tolist():
                at = np.full(len(sent), day * 24 + hour, dtype=np.int64)
                parts.append((sent, received, at, share))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Demand(empty, empty, empty, np.zeros(0))
    return Demand(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        np.concatenate([p[3] for p in parts]),
    )
