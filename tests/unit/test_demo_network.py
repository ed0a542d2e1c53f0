"""The demo province is deterministic, complete and calibrated to the public figures."""

from __future__ import annotations

from collections import Counter

import pytest

from peakguard.demo import calibration
from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
from peakguard.domain.geography import great_circle_km
from peakguard.domain.network import Network, NodeKind
from peakguard.domain.regions import reference_regions
from peakguard.domain.summary import summarise


@pytest.fixture(scope="module")
def demo() -> Network:
    return build_sichuan_network()


def test_same_seed_same_network() -> None:
    """Deterministic: the same seed gives an identical network, another seed a different one."""
    assert build_sichuan_network(DemoParameters(seed=7)) == build_sichuan_network(
        DemoParameters(seed=7)
    )
    assert build_sichuan_network(DemoParameters(seed=7)) != build_sichuan_network(
        DemoParameters(seed=8)
    )


def test_every_city_has_a_hub_per_carrier(demo: Network) -> None:
    """21 prefecture-level divisions × 7 carriers, each with a hub, plus national gateways."""
    sichuan_prefectures = {
        code
        for code, region in reference_regions().items()
        if code.startswith(("51",)) and region.level == "prefecture"
    }
    assert len(sichuan_prefectures) == 21
    hubs = [n for n in demo.nodes if n.kind is NodeKind.hub]
    in_province = Counter(h.region for h in hubs if h.region.startswith("51"))
    assert set(in_province) == sichuan_prefectures
    assert set(in_province.values()) == {7}
    gateways = {h.region for h in hubs if not h.region.startswith("51")}
    assert gateways == set(calibration.GATEWAY_CITIES)


def test_volumes_match_the_public_figures(demo: Network) -> None:
    """Normal-day pickups ≈ national daily volume × Sichuan's share; Chengdu ≈ 65.5 %."""
    outlets = [n for n in demo.nodes if n.kind is NodeKind.outlet]
    total = sum(o.daily_volume for o in outlets)
    expected = 1320.7e8 / 365 * (28.69 / 1105.8)
    assert total == pytest.approx(expected, rel=0.005)
    chengdu = sum(o.daily_volume for o in outlets if o.region.startswith("5101"))
    assert chengdu / total == pytest.approx(0.655, abs=0.005)
    top_five = sum(
        o.daily_volume for o in outlets if o.region[:4] in {"5101", "5114", "5113", "5106", "5107"}
    )
    assert top_five / total == pytest.approx(0.8349, abs=0.005)


def test_peak_overflows_some_hubs_but_not_all(demo: Network) -> None:
    """At twice a normal day some hubs lack sorting capacity and others have enough: the
    season has something to plan for, and capacities differ realistically by carrier."""
    hubs = [n for n in demo.nodes if n.kind is NodeKind.hub and n.region.startswith("51")]
    short = [h for h in hubs if h.daily_sorting_capacity() < 2 * h.daily_volume]
    assert 0 < len(short) < len(hubs)

    def share_short(carriers: set[str]) -> float:
        own = [h for h in hubs if h.carrier in carriers]
        return sum(h in short for h in own) / len(own)

    # Brands with more automation keep more headroom than the franchise networks.
    assert share_short({"SF", "JD"}) < share_short({"STO", "YUNDA"})


def test_lane_times_follow_real_distances(demo: Network) -> None:
    """Road transit time grows with great-circle distance: Chengdu→Beijing takes over 20 h by
    road and under 8 h by air."""
    index = demo.node_index()
    lanes = {lane.id: lane for lane in demo.lanes}
    road = lanes["SF-510100-HUB>SF-110100-GW"]
    air = lanes["SF-510100-HUB>SF-110100-GW-air"]
    origin, destination = index[road.origin], index[road.destination]
    km = great_circle_km(
        origin.longitude, origin.latitude, destination.longitude, destination.latitude
    )
    assert 1400 < km < 1650
    assert road.transit_hours > 20
    assert air.transit_hours < 8


def test_every_outlet_reaches_every_station_of_its_carrier(demo: Network) -> None:
    """Routing covers all outlet→station pairs of the same carrier."""
    summary = summarise(demo)
    assert summary.unrouted_pairs == 0
    assert summary.routed_pairs == sum(c.outlets * c.stations for c in summary.carriers)
