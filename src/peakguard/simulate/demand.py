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
    """(origin, destination, parcels, is_inbound) on a normal day."""
    settings = scenario.demand
    home = home_province(network)
    position = {node.id: index for index, node in enumerate(network.nodes)}
    origins: list[int] = []
    destinations: list[int] = []
    parcels: list[float] = []
    inbound: list[bool] = []
    for carrier in network.carriers:
        own = [node for node in network.nodes if node.carrier == carrier.code]
        outlets = [node for node in own if node.kind is NodeKind.outlet]
        stations = [node for node in own if node.kind is NodeKind.station]
        gateways = [
            node for node in own if node.kind is NodeKind.hub and province_code(node.region) != home
        ]
        if not stations and not gateways:
            continue
        weights = np.array([max(node.daily_volume, 0) for node in stations], dtype=float)
        if stations and weights.sum() <= 0:
            weights = np.ones(len(stations))
        shares = weights / weights.sum() if stations else weights
        outbound = settings.outbound_share if gateways else 0.0
        if not stations:
            outbound = 1.0
        for outlet in outlets:
            volume = float(outlet.daily_volume)
            if volume <= 0:
                continue
            for station, share in zip(stations, shares, strict=True):
                origins.append(position[outlet.id])
                destinations.append(position[station.id])
                parcels.append(volume * (1 - outbound) * share)
                inbound.append(False)
            for gateway in gateways:
                origins.append(position[outlet.id])
                destinations.append(position[gateway.id])
                parcels.append(volume * outbound / len(gateways))
                inbound.append(False)
        if gateways and settings.inbound_share > 0:
            for station in stations:
                volume = float(station.daily_volume) * settings.inbound_share
                for gateway in gateways:
                    origins.append(position[gateway.id])
                    destinations.append(position[station.id])
                    parcels.append(volume / len(gateways))
                    inbound.append(True)
    return NormalDayFlows(
        np.array(origins, dtype=np.int64),
        np.array(destinations, dtype=np.int64),
        np.array(parcels, dtype=np.float64),
        np.array(inbound, dtype=bool),
    )


def build_demand(network: Network, scenario: Scenario) -> Demand:
    """Hourly demand over the scenario's days (none in the drain days)."""
    return demand_from_flows(network, scenario, normal_day_flows(network, scenario))


def demand_from_flows(network: Network, scenario: Scenario, flows: NormalDayFlows) -> Demand:
    """Hourly demand over the scenario's days from its normal-day ``flows``."""
    origin, destination, daily, inbound = flows
    carriers = np.array([network.nodes[i].carrier for i in origin.tolist()], dtype=object)
    regions = np.array([network.nodes[i].region for i in origin.tolist()], dtype=object)
    pickup = np.array(scenario.demand.pickup_hours, dtype=np.int64)
    handover = np.array(scenario.demand.inbound_hours, dtype=np.int64)
    parts: list[tuple[IntArray, IntArray, IntArray, FloatArray]] = []
    region_text = regions.astype(str)
    masks: dict[tuple[str | None, str | None], npt.NDArray[np.bool_]] = {}

    def matching(carrier: str | None, prefix: str | None) -> npt.NDArray[np.bool_]:
        # One vectorised mask per (carrier, region prefix), shared by every day's rules: a
        # forecast-driven scenario has a rule per carrier, city and day.
        key = (carrier, prefix)
        if key not in masks:
            match = np.ones(len(daily), dtype=bool)
            if carrier is not None:
                match &= carriers == carrier
            if prefix is not None:
                match &= np.char.startswith(region_text, prefix)
            masks[key] = match
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
            for hour in hours.tolist():
                count = int(chosen.sum())
                parts.append(
                    (
                        origin[chosen],
                        destination[chosen],
                        np.full(count, day * 24 + hour, dtype=np.int64),
                        share,
                    )
                )
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Demand(empty, empty, empty, np.zeros(0))
    return Demand(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        np.concatenate([p[3] for p in parts]),
    )
